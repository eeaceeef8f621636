import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../runtime/index.js';

describe('docs/errors.md', () => {
  it('lists every ErrorCode, and no code that does not exist', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    // The codes in the first cell of each table row.
    const firstCells = doc
      .split('\n')
      .flatMap((line) => (line.startsWith('| `') ? [line.split('|')[1]!] : []));
    const listed = new Set(
      firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!)),
    );
    expect([...listed].sort()).toEqual(Object.values(ErrorCode).sort());
  });
});
