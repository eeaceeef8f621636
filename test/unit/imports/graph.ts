import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { isStringLiteralLikeNode } from 'typescript/unstable/ast/is';
import { API } from 'typescript/unstable/sync';

/** One module reference as the TypeScript compiler collected it (imports, re-exports, `import type`, `import()`). */
export interface ImportEdge {
  /** The importing file, relative to the repository root (`runtime/client.ts`). */
  readonly from: string;
  /** The specifier as written (`../client.js`, `aws-cdk-lib`). */
  readonly specifier: string;
  /** The imported source file relative to the root, for relative specifiers; undefined for packages. */
  readonly to: string | undefined;
}

/** The module graph of the project's own source files, keyed by the importing file. */
export type ImportGraph = ReadonlyMap<string, readonly ImportEdge[]>;

/**
 * Map a relative specifier to the source file it names, as NodeNext resolution does for this repo's
 * sources (`./x.js` → `./x.ts`). Throws when nothing matches, so an edge is never silently dropped.
 */
function resolveRelative(fromFile: string, specifier: string): string {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base,
    `${base}.ts`,
    `${base}/index.ts`,
  ];
  const found = candidates.find((c) => /\.(m?ts|m?js|json)$/.test(c) && existsSync(c));
  if (!found) throw new Error(`${fromFile}: cannot resolve '${specifier}'`);
  return found;
}

/**
 * Parse every file of the repository's tsconfig with the TypeScript compiler (tsgo, through its API)
 * and return the module references of the files under `roots`. The compiler's own `imports` list of
 * each source file is used, so type-only imports, re-exports, dynamic `import()` and `import('x').T`
 * types all count as edges.
 *
 * @example
 * const graph = loadImportGraph('/repo', ['runtime/', 'infra/']);
 * graph.get('runtime/client.ts'); // [{ from: 'runtime/client.ts', specifier: './errors.js', to: 'runtime/errors.ts' }, …]
 */
export function loadImportGraph(root: string, roots: readonly string[]): ImportGraph {
  const api = new API({ cwd: root });
  try {
    const snapshot = api.updateSnapshot({ openProjects: [resolve(root, 'tsconfig.json')] });
    const project = snapshot.getProjects()[0];
    if (!project) throw new Error('tsconfig.json did not load as a project');
    const graph = new Map<string, ImportEdge[]>();
    for (const fileName of project.program.getSourceFileNames()) {
      const from = relative(root, fileName);
      if (!roots.some((r) => from.startsWith(r))) continue;
      const source = project.program.getSourceFile(fileName);
      if (!source) throw new Error(`${from}: listed by the program but not parsed`);
      const edges = source.imports.filter(isStringLiteralLikeNode).map((node): ImportEdge => {
        const specifier = node.text;
        const to = specifier.startsWith('.')
          ? relative(root, resolveRelative(fileName, specifier))
          : undefined;
        return { from, specifier, to };
      });
      graph.set(from, edges);
    }
    return graph;
  } finally {
    api.close();
  }
}

/**
 * Every elementary cycle's smallest witness: for each strongly connected component of more than one
 * file (or a file importing itself), one closed path through it, as `a → b → a`.
 *
 * @example
 * findCycles(new Map([['a.ts', [{ from: 'a.ts', specifier: './b.js', to: 'b.ts' }]], ['b.ts', [{ from: 'b.ts', specifier: './a.js', to: 'a.ts' }]]]));
 * // ['a.ts → b.ts → a.ts']
 */
export function findCycles(graph: ImportGraph): string[] {
  const next = (file: string): string[] => [
    ...new Set((graph.get(file) ?? []).flatMap((e) => (e.to && graph.has(e.to) ? [e.to] : []))),
  ];
  // Tarjan's strongly connected components.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || next(v).includes(v)) components.push(component);
    }
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
  return components.map((component) => witness(component.sort(), next));
}

/** A shortest closed path from the component's first file back to itself, staying inside the component. */
function witness(component: string[], next: (file: string) => string[]): string {
  const start = component[0]!;
  const inside = new Set(component);
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next(v)) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at = v; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
        return [...path, start].join(' → ');
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return component.join(' ↔ ');
}
