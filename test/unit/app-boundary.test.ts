import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const APP = path.join(ROOT, 'tasks');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(m?[jt]s)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every module specifier a file names: static imports and re-exports, dynamic imports, `import type`. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]/g))
    found.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found;
}

describe('the framework never imports the app', () => {
  it('no file outside tasks/ names a module inside tasks/ (the app is found through celeriac.config.ts)', () => {
    const offenders: string[] = [];
    for (const dir of ['runtime', 'infra', 'test']) {
      for (const file of sourceFiles(path.join(ROOT, dir))) {
        if (file === import.meta.filename) continue; // its own fixtures below name tasks/ on purpose
        for (const spec of specifiers(readFileSync(file, 'utf8'))) {
          if (!spec.startsWith('.')) continue;
          const target = path.resolve(path.dirname(file), spec);
          if (target === APP || target.startsWith(`${APP}${path.sep}`)) {
            offenders.push(`${path.relative(ROOT, file)} → ${spec}`);
          }
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the scan sees imports of every form (a check on the check)', () => {
    const text = [
      "import { a } from '../../tasks/index.js';",
      "import type { B } from '../../tasks/examples.js';",
      "export { c } from '../tasks/x.js';",
      "const m = await import('../../tasks/y.js');",
      "import '../tasks/side-effect.js';",
    ].join('\n');
    expect(specifiers(text)).toEqual([
      '../../tasks/index.js',
      '../../tasks/examples.js',
      '../tasks/x.js',
      '../tasks/side-effect.js',
      '../../tasks/y.js',
    ]);
  });
});
