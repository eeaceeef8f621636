import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CeleriacError, ErrorCode, type Registry } from '../../runtime/internal.js';
import { defineConfig, type ProjectConfig } from './define-config.js';

/** File names looked up, in order, in the working directory and its parents. */
export const CONFIG_FILE_NAMES = [
  'celeriac.config.ts',
  'celeriac.config.mts',
  'celeriac.config.js',
  'celeriac.config.mjs',
] as const;

/** A project's config with absolute paths; nothing of the app imported yet. */
export interface ProjectFiles {
  /** The folder of the config file. */
  readonly root: string;
  readonly configPath: string;
  readonly config: ProjectConfig;
  /** Absolute path of the registry module. */
  readonly registryPath: string;
  /** Absolute path of the worker entry. */
  readonly workerEntry: string;
  /** Absolute path of the results API entry, when the project has one. */
  readonly apiEntry?: string;
  /** Absolute paths whose changes reload the workers in `celeriac dev`. */
  readonly watch: readonly string[];
}

/** A loaded project: its files and the app's registry. */
export interface Project extends ProjectFiles {
  readonly registry: Registry;
}

/** Options of {@link loadProject}. */
export interface LoadProjectOptions {
  /** The config file. @default the first of {@link CONFIG_FILE_NAMES} in `cwd` or a parent folder */
  readonly config?: string;
  /** Where to start looking. @default process.cwd() */
  readonly cwd?: string;
}

/**
 * Find the config file: the one given, or the nearest `celeriac.config.*` from `cwd` upwards.
 *
 * @throws CeleriacError `CONFIG_MISSING` saying where it looked and how to create one.
 * @example
 * ```ts
 * findConfigFile({ cwd: '/srv/app' }); // '/srv/app/celeriac.config.ts'
 * ```
 */
export function findConfigFile(options: LoadProjectOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  if (options.config) {
    const path = isAbsolute(options.config) ? options.config : resolve(cwd, options.config);
    if (!existsSync(path)) {
      throw new CeleriacError(ErrorCode.CONFIG_MISSING, `celeriac config ${path}: no such file`, {
        value: options.config,
        allowed: 'an existing celeriac.config.ts (see `celeriac init`)',
      });
    }
    return path;
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_FILE_NAMES) {
      const path = join(dir, name);
      if (existsSync(path)) return path;
    }
    if (dirname(dir) === dir) break;
  }
  throw new CeleriacError(
    ErrorCode.CONFIG_MISSING,
    `no celeriac.config.ts in ${cwd} or its parents: run \`npx celeriac init\`, or pass --config <file>`,
    { value: cwd, allowed: CONFIG_FILE_NAMES.join(', ') },
  );
}

let tsLoader: Promise<unknown> | undefined;

/**
 * Import a module by path. A TypeScript module loads through tsx, registered once before the
 * first such import (Node caches a failed import, so it cannot be retried after the fact).
 */
async function importModule(path: string): Promise<Record<string, unknown>> {
  // Inside a vitest worker, Vite already compiles TypeScript (and resolves the repo's own source).
  if (/\.[mc]?tsx?$/.test(path) && !('__vitest_worker__' in globalThis)) {
    tsLoader ??= import('tsx/esm/api').then((tsx) => tsx.register());
    await tsLoader;
  }
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
}

function isRegistry(value: unknown): value is Registry {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Registry).queues instanceof Map &&
    typeof (value as Registry).get === 'function'
  );
}

/**
 * Read `celeriac.config.ts` and check that the files it names exist, without importing the app.
 *
 * @throws CeleriacError `CONFIG_MISSING` / `CONFIG_INVALID` naming the file and the field.
 * @example
 * ```ts
 * const files = await readProjectConfig({ config: 'celeriac.config.ts' });
 * files.workerEntry; // '/srv/app/src/tasks/worker.ts'
 * ```
 */
export async function readProjectConfig(options: LoadProjectOptions = {}): Promise<ProjectFiles> {
  const configPath = findConfigFile(options);
  const root = dirname(configPath);
  const mod = await importModule(configPath);
  const config = defineConfig((mod.default ?? mod.config) as ProjectConfig);
  const at = (p: string) => resolve(root, p);
  for (const [field, path] of [
    ['registry', at(config.registry)],
    ['worker', at(config.worker)],
    ...(config.api ? [['api', at(config.api)]] : []),
  ] as const) {
    if (!existsSync(path)) {
      throw new CeleriacError(
        ErrorCode.CONFIG_INVALID,
        `${configPath}: "${field}" points to ${path}, which does not exist`,
        { value: path, allowed: 'a path relative to the config file' },
      );
    }
  }
  return {
    root,
    configPath,
    config,
    registryPath: at(config.registry),
    workerEntry: at(config.worker),
    ...(config.api ? { apiEntry: at(config.api) } : {}),
    watch: (config.dev?.watch ?? [dirname(config.registry)]).map(at),
  };
}

/**
 * Read `celeriac.config.ts` and import the app's registry. Used by the CLI, `celeriac dev`, and a
 * CDK app that wants the entries from the config instead of hard-coding them.
 *
 * @throws CeleriacError `CONFIG_MISSING` / `CONFIG_INVALID` naming the file and the field.
 * @example
 * ```ts
 * import { loadProject } from 'celeriac/config';
 * import { TaskRuntime } from 'celeriac/cdk';
 * const project = await loadProject();
 * new TaskRuntime(stack, 'Tasks', {
 *   plan: planOf(project.registry),
 *   workerEntry: project.workerEntry,
 *   resultsApi: project.apiEntry ? { entry: project.apiEntry } : { enabled: false },
 * });
 * ```
 */
export async function loadProject(options: LoadProjectOptions = {}): Promise<Project> {
  const files = await readProjectConfig(options);
  const registryModule = await importModule(files.registryPath);
  const registry = registryModule.registry ?? registryModule.default;
  if (!isRegistry(registry)) {
    throw new CeleriacError(
      ErrorCode.CONFIG_INVALID,
      `${files.registryPath} exports no registry: export \`const registry = createRegistry({ tasks: [...] })\` (or make it the default export)`,
      {
        value: Object.keys(registryModule),
        allowed: 'a `registry` or default export made by createRegistry',
      },
    );
  }
  return { ...files, registry };
}
