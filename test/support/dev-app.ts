import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where a dev app written by {@link writeDevApp} keeps its one task (`dev.version`). */
export function versionTaskFile(dir: string): string {
  return path.join(dir, 'tasks', 'version.ts');
}

/**
 * A small app of its own for `celeriac dev`: `celeriac.config.ts`, a registry named `app` with
 * one task imported from `tasks/version.ts` (whose source is `versionTask`), and a worker entry.
 * The folder is emptied first.
 *
 * @example
 * ```ts
 * writeDevApp(dir, 'devapp', "import { task } from 'celeriac'; export const version = …");
 * ```
 */
export function writeDevApp(dir: string, app: string, versionTask: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'tasks'), { recursive: true });
  writeFileSync(
    path.join(dir, 'celeriac.config.ts'),
    "import { defineConfig } from 'celeriac/config';\nexport default defineConfig({ registry: './tasks/index.ts', worker: './tasks/worker.ts' });\n",
  );
  writeFileSync(
    path.join(dir, 'tasks', 'index.ts'),
    `import { createRegistry } from 'celeriac';\nimport { version } from './version.js';\nexport const registry = createRegistry({ app: '${app}', tasks: [version] });\n`,
  );
  writeFileSync(
    path.join(dir, 'tasks', 'worker.ts'),
    "import { createWorker } from 'celeriac';\nimport { registry } from './index.js';\nexport const handler = createWorker(registry);\n",
  );
  writeFileSync(versionTaskFile(dir), versionTask);
}
