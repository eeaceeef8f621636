import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractJsonBlocks, extractTsBlocks, uncheckedFences } from '../docs/extract.js';
import { formatErrors, moduleName, ROOT, repositoryDocs, typecheckDocs } from '../docs/typecheck.js';

// One tsc run over every block takes a few seconds (the program includes the runtime and the
// CDK construct's types); give it room on a machine whose cores are busy.
const TSC_TIMEOUT = 120_000;

describe('every ```ts block of README.md and docs/*.md compiles', () => {
  it(
    'typechecks all blocks in one tsc run, with no error',
    () => {
      const docs = repositoryDocs();
      const check = typecheckDocs(docs);
      const withBlocks = new Set(check.blocks.map((b) => b.doc));
      // Guards on the guard: the blocks were found, and every one became a module tsc read.
      expect(withBlocks).toContain('README.md');
      expect(check.blocks.length).toBeGreaterThanOrEqual(20);
      expect(new Set(check.blocks.map(moduleName)).size).toBe(check.blocks.length);
      expect(formatErrors(check)).toBe('');
      // Kept when an assertion above fails, for reading what tsc read.
      rmSync(check.dir, { recursive: true, force: true });
    },
    TSC_TIMEOUT,
  );

  it(
    'reports a broken block by doc, block number, Markdown line and error (a check on the check)',
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'celeriac-doc-'));
      const doc = [
        '# A doc with one good block and one broken one',
        '',
        '```ts',
        "import { task } from 'celeriac';",
        "export const add = task('add', {}, ({ x, y }: { x: number; y: number }) => x + y);",
        '```',
        '',
        '```sh',
        'this is not TypeScript and is not checked',
        '```',
        '',
        '```ts',
        "import { task } from 'celeriac';",
        "const add = task('add', {}, ({ x, y }: { x: number; y: number }) => x + y);",
        "await add.enqueue({ x: 1, y: 'two' });",
        'await notDefinedAnywhere();',
        '```',
      ].join('\n');
      writeFileSync(path.join(dir, 'broken.md'), doc);
      const check = typecheckDocs(['broken.md'], dir);
      expect(check.blocks.map((b) => [b.index, b.line])).toEqual([
        [1, 4],
        [2, 13],
      ]);
      expect(check.other).toEqual([]);
      expect(check.errors.map((e) => [e.doc, e.block, e.line, e.message.slice(0, 7)])).toEqual([
        ['broken.md', 2, 15, 'TS2322:'],
        ['broken.md', 2, 16, 'TS2304:'],
      ]);
      expect(formatErrors(check)).toContain(
        "broken.md block 2, line 16:7: TS2304: Cannot find name 'notDefinedAnywhere'.",
      );
      // The module tsc read is the block's text, unchanged, so the line numbers are the doc's own.
      expect(readFileSync(path.join(check.dir, 'broken.md.2.ts'), 'utf8').split('\n')[3]).toBe(
        'await notDefinedAnywhere();',
      );
      rmSync(check.dir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
    TSC_TIMEOUT,
  );
});

describe('reading code blocks out of Markdown', () => {
  it('takes ts and typescript fences, skips other languages, and numbers blocks by Markdown line', () => {
    const md = ['```ts', 'a;', '```', '```json', '{}', '```', '', '```typescript', 'b;', 'c;', '```'].join(
      '\n',
    );
    expect(extractTsBlocks('x.md', md)).toEqual([
      { doc: 'x.md', index: 1, line: 2, code: 'a;' },
      { doc: 'x.md', index: 2, line: 9, code: 'b;\nc;' },
    ]);
  });

  it('closes a fence only on one of the same kind and length, and keeps an unclosed block', () => {
    const md = ['````ts', '```', 'inner;', '````', '', '```ts', 'tail;'].join('\n');
    expect(extractTsBlocks('y.md', md)).toEqual([
      { doc: 'y.md', index: 1, line: 2, code: '```\ninner;' },
      { doc: 'y.md', index: 2, line: 7, code: 'tail;' },
    ]);
  });
});

describe('the other code blocks of the docs', () => {
  it('no doc has a code block in a language the typecheck would skip (js, javascript, a typo)', () => {
    const found = repositoryDocs().flatMap((d) =>
      uncheckedFences(d, readFileSync(path.join(ROOT, d), 'utf8')),
    );
    expect(found).toEqual([]);
    expect(
      uncheckedFences('z.md', ['```js', 'x;', '```', '```sh', 'ls', '```', '```', 'out', '```'].join('\n')),
    ).toEqual(['z.md line 1: ```js']);
  });

  it('every ```json block of the docs is JSON', () => {
    const bad: string[] = [];
    const blocks = repositoryDocs().flatMap((d) =>
      extractJsonBlocks(d, readFileSync(path.join(ROOT, d), 'utf8')),
    );
    for (const b of blocks) {
      try {
        JSON.parse(b.code);
      } catch (err) {
        bad.push(`${b.doc} json block ${b.index}, line ${b.line}: ${(err as Error).message}`);
      }
    }
    expect(blocks.length).toBeGreaterThan(0);
    expect(bad).toEqual([]);
  });
});
