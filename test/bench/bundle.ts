import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Bundle an entry the way the worker is shipped: ESM, minified, Node 22, SDK clients included. */
export async function bundle(entry: string, outfile: string): Promise<number> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" },
    logLevel: 'silent',
  });
  return statSync(outfile).size;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The baseline: a handler importing exactly the SDK clients and commands the runtime imports
 * (read from runtime/'s own import statements), bundled the same way. With `handlerFrom`, the
 * handler is that module's `handler` (a hand-written one doing real work) instead of a no-op.
 */
export function writeSdkBaselineEntry(
  dir: string,
  handlerFrom?: string,
): { entry: string; imports: Record<string, string[]> } {
  const imports: Record<string, Set<string>> = {};
  const pattern = /import\s*\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z-]+)'/g;
  for (const file of walk(join(ROOT, 'runtime'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(pattern)) {
      const names = match[1]!
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n && !n.startsWith('type '));
      imports[match[2]!] ??= new Set();
      for (const n of names) imports[match[2]!]!.add(n);
    }
  }
  const lines = Object.entries(imports).map(
    ([pkg, names]) => `import { ${[...names].join(', ')} } from '${pkg}';`,
  );
  const all = Object.values(imports).flatMap((s) => [...s]);
  const entry = join(dir, handlerFrom ? 'baseline-handler.ts' : 'baseline.ts');
  const handler = handlerFrom
    ? `export { handler } from ${JSON.stringify(handlerFrom)};\nexport const sdk = used;\n`
    : 'export const handler = async () => ({ batchItemFailures: [], n: used.length });\n';
  writeFileSync(entry, `${lines.join('\n')}\nconst used = [${all.join(', ')}];\n${handler}`);
  return { entry, imports: Object.fromEntries(Object.entries(imports).map(([k, v]) => [k, [...v]])) };
}

/** A scratch folder inside the repo (so bundles resolve node_modules), gitignored. */
export function tempDir(): string {
  const base = join(ROOT, 'test', 'artifacts');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, 'bench-'));
}

export { ROOT };
