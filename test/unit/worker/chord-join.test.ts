import { describe, expect, it } from 'vitest';
import { joinStep } from '../../../runtime/canvas/chord-store.js';

describe('joinStep', () => {
  it('waits while members are missing', () => {
    expect(joinStep({ done: new Set(['0']) }, 'm-1', 2)).toBe('waiting');
  });

  it('claims the firing when every member is done', () => {
    expect(joinStep({ done: new Set(['0', '1']) }, 'm-1', 2)).toBe('claim');
  });

  it('does nothing once another member fired the body', () => {
    expect(joinStep({ done: new Set(['0', '1']), fired: 't', firedBy: 'm-0' }, 'm-1', 2)).toBe('fired');
  });

  it('sends the body again when the member that fired it is delivered again', () => {
    expect(joinStep({ done: new Set(['0', '1']), fired: 't', firedBy: 'm-1' }, 'm-1', 2)).toBe('refire');
  });

  it('does nothing once the chord failed', () => {
    expect(joinStep({ done: new Set(['0', '1']), failed: { member: 'm-0' } }, 'm-1', 2)).toBe('failed');
  });
});
