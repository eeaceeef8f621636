import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { median } from './counting.js';

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
 * (read from runtime/'s own import statements), bundled the same way.
 */
export function writeSdkBaselineEntry(dir: string): { entry: string; imports: Record<string, string[]> } {
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
  const entry = join(dir, 'baseline.ts');
  writeFileSync(
    entry,
    `${lines.join('\n')}\nconst used = [${all.join(', ')}];\nexport const handler = async () => ({ batchItemFailures: [], n: used.length });\n`,
  );
  return { entry, imports: Object.fromEntries(Object.entries(imports).map(([k, v]) => [k, [...v]])) };
}

/** Median time to import a bundle in a fresh Node process (ms). */
export function importTimeMs(file: string, runs = 9): number {
  const script = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    times.push(Number(out.toString()));
  }
  return median(times);
}

/** A scratch folder inside the repo (so bundles resolve node_modules), gitignored. */
export function tempDir(): string {
  const base = join(ROOT, 'test', 'artifacts');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, 'bench-'));
}

export { ROOT };
