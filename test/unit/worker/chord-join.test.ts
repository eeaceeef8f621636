import { describe, expect, it } from 'vitest';
import { joinStep } from '../../../runtime/canvas/chord-store.js';

const failed = { member: 'm-0', task: 't', type: 'Error', message: 'boom' };

describe('joinStep', () => {
  it('waits while members are missing', () => {
    expect(joinStep({ id: 'c', size: 2, count: 1 }, 'm-1')).toBe('waiting');
  });

  it('claims the firing when every member is counted', () => {
    expect(joinStep({ id: 'c', size: 2, count: 2 }, 'm-1')).toBe('claim');
  });

  it('does nothing once another member fired the body', () => {
    expect(joinStep({ id: 'c', size: 2, count: 2, firedBy: 'm-0' }, 'm-1')).toBe('fired');
  });

  it('sends the body again when the member that fired it is delivered again', () => {
    expect(joinStep({ id: 'c', size: 2, count: 2, firedBy: 'm-1' }, 'm-1')).toBe('refire');
  });

  it('does nothing once the chord failed', () => {
    expect(joinStep({ id: 'c', size: 2, count: 2, failed }, 'm-1')).toBe('failed');
  });
});
