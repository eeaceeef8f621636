import { describe, expect, it } from 'vitest';
import { joinStep } from '../../../runtime/canvas/chord-store.js';

const failed = { member: 'm-0', task: 't', type: 'Error', message: 'boom' };

describe('joinStep', () => {
  it('waits while members are missing', () => {
    expect(joinStep({ id: 'c', size: 2, count: 1 }, 'm-1', 1_000)).toBe('waiting');
  });

  it('claims the firing when every member is counted', () => {
    expect(joinStep({ id: 'c', size: 2, count: 2 }, 'm-1', 1_000)).toBe('claim');
  });

  it('does nothing once another member fired the body', () => {
    expect(joinStep({ id: 'c', size: 2, count: 2, firedBy: 'm-0' }, 'm-1', 1_000)).toBe('fired');
  });

  it('sends the body again when the member that fired it is delivered again after its invocation ended', () => {
    expect(joinStep({ id: 'c', size: 2, count: 2, firedBy: 'm-1', fireDeadline: 999 }, 'm-1', 1_000)).toBe(
      'refire',
    );
  });

  it('comes back later when the member that fired it is delivered again while that invocation may still send', () => {
    expect(joinStep({ id: 'c', size: 2, count: 2, firedBy: 'm-1', fireDeadline: 5_000 }, 'm-1', 1_000)).toBe(
      'sending',
    );
  });

  it('does nothing when the body is marked sent', () => {
    expect(
      joinStep({ id: 'c', size: 2, count: 2, firedBy: 'm-1', fireDeadline: 999, sent: true }, 'm-1', 1_000),
    ).toBe('fired');
  });

  it('does nothing once the chord failed', () => {
    expect(joinStep({ id: 'c', size: 2, count: 2, failed }, 'm-1', 1_000)).toBe('failed');
  });
});
