import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { findCycles, type ImportGraph, loadImportGraph } from './graph.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHECKED = ['runtime/', 'infra/', 'tasks/'];
/** Packages of the infrastructure, CLI and API layers, which the runtime must never load. */
const NOT_IN_RUNTIME = /^(aws-cdk-lib|aws-cdk|constructs|cdk-nag|commander|hono)(\/|$)/;

/** Every TypeScript source file under a folder, relative to the root. */
function sourcesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.m?ts$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => relative(ROOT, join(ROOT, folder, f)));
}

describe('the import graph of runtime/, infra/ and tasks/', () => {
  let graph: ImportGraph;
  beforeAll(() => {
    graph = loadImportGraph(ROOT, CHECKED);
  }, 60_000);

  it('covers every source file of those folders', () => {
    const expected = CHECKED.flatMap(sourcesUnder).sort();
    expect(expected.length).toBeGreaterThan(50);
    expect([...graph.keys()].sort()).toEqual(expected);
  });

  it('counts type-only imports as edges', () => {
    // `import type { Task } from './task-types.js'` is the only link from enqueue.ts to task-types.ts.
    expect(graph.get('runtime/enqueue.ts')).toContainEqual({
      from: 'runtime/enqueue.ts',
      specifier: './task-types.js',
      to: 'runtime/task-types.ts',
    });
  });

  it('has no import cycle, type-only ones included', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('keeps runtime/ free of infra/ and of the CDK, CLI and API packages', () => {
    const wrong = [...graph]
      .filter(([from]) => from.startsWith('runtime/'))
      .flatMap(([, edges]) => edges)
      .filter((e) => e.to?.startsWith('infra/') || (!e.to && NOT_IN_RUNTIME.test(e.specifier)))
      .map((e) => `${e.from} imports ${e.specifier}`);
    expect(wrong).toEqual([]);
  });
});

describe('findCycles', () => {
  const edge = (from: string, to: string) => ({ from, specifier: `./${to}`, to });

  it('names one closed path per cycle and ignores acyclic parts', () => {
    const graph = new Map([
      ['a.ts', [edge('a.ts', 'b.ts'), edge('a.ts', 'd.ts')]],
      ['b.ts', [edge('b.ts', 'c.ts')]],
      ['c.ts', [edge('c.ts', 'a.ts')]],
      ['d.ts', []],
      ['e.ts', [edge('e.ts', 'e.ts')]],
    ]);
    expect(findCycles(graph)).toEqual(['a.ts → b.ts → c.ts → a.ts', 'e.ts → e.ts']);
  });

  it('finds a cycle made only of `import type` and `import()` type references, as the compiler parses them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-cycle-'));
    try {
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { module: 'NodeNext', strict: true, noEmit: true, types: [] } }),
      );
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      writeFileSync(join(dir, 'a.ts'), "import type { B } from './b.js';\nexport type A = { b?: B };\n");
      writeFileSync(join(dir, 'b.ts'), "export type B = { a?: import('./a.js').A };\n");
      writeFileSync(join(dir, 'c.ts'), "export const c = async () => import('./a.js');\n");
      const graph = loadImportGraph(dir, ['']);
      expect(graph.get('c.ts')).toEqual([{ from: 'c.ts', specifier: './a.js', to: 'a.ts' }]);
      expect(findCycles(graph)).toEqual(['a.ts → b.ts → a.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
