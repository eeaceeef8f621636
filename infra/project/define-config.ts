import { CeleriacError, ErrorCode } from '../../runtime/internal.js';

/** Local development settings of a {@link ProjectConfig}. */
export interface DevSettings {
  /**
   * Keep DynamoDB Local's tables (results, chords, revocations) on disk under `.celeriac/dynamodb`,
   * so they survive a restart of `celeriac dev`. Queued SQS messages always survive a worker
   * reload; they live in memory and end with `celeriac dev` itself.
   * @default false
   */
  readonly persist?: boolean;
  /**
   * Folders and files, relative to the config file, whose changes reload the workers.
   * @default the folder of `registry`
   */
  readonly watch?: readonly string[];
}

/**
 * What `celeriac.config.ts` declares: where the app's code is. Paths are relative to the config
 * file. The CLI, `celeriac dev`, and `loadProject()` (for a CDK app) read it; the framework never
 * imports the app any other way.
 *
 * @example
 * ```ts
 * // celeriac.config.ts
 * import { defineConfig } from 'celeriac/config';
 * export default defineConfig({
 *   registry: './src/tasks/index.ts',
 *   worker: './src/tasks/worker.ts',
 *   api: './src/tasks/api.ts',
 * });
 * ```
 */
export interface ProjectConfig {
  /** The module that exports the task registry, as `registry` or as its default export. */
  readonly registry: string;
  /** The worker Lambda's entry module; it exports `handler = createWorker(registry)`. */
  readonly worker: string;
  /**
   * The results API Lambda's entry module; it exports `handler = createApiHandler({ registry })`
   * from `celeriac/api`.
   * @default - no results API is deployed
   */
  readonly api?: string;
  /** Local development settings. */
  readonly dev?: DevSettings;
}

const KEYS = new Set(['registry', 'worker', 'api', 'dev']);

function invalid(message: string, value: unknown, allowed: string): never {
  throw new CeleriacError(ErrorCode.CONFIG_INVALID, message, { value, allowed });
}

/**
 * Declare a project's config with types, checking its shape (typed config in the ecosystem's
 * usual form, as `vitest/config` and `astro/config` do).
 *
 * @throws CeleriacError `CONFIG_INVALID` naming the field and what is allowed.
 * @example
 * ```ts
 * export default defineConfig({ registry: './tasks/index.ts', worker: './tasks/worker.ts' });
 * ```
 */
export function defineConfig(config: ProjectConfig): ProjectConfig {
  if (typeof config !== 'object' || config === null) {
    invalid('celeriac config: expected an object', config, '{ registry, worker, api?, dev? }');
  }
  for (const key of Object.keys(config)) {
    if (!KEYS.has(key)) invalid(`celeriac config: unknown field "${key}"`, key, [...KEYS].join(', '));
  }
  for (const key of ['registry', 'worker'] as const) {
    if (typeof config[key] !== 'string' || config[key].length === 0) {
      invalid(
        `celeriac config: "${key}" must be a module path`,
        config[key],
        'a path relative to the config file',
      );
    }
  }
  if (config.api !== undefined && (typeof config.api !== 'string' || config.api.length === 0)) {
    invalid('celeriac config: "api" must be a module path', config.api, 'a path relative to the config file');
  }
  const dev = config.dev;
  if (dev !== undefined) {
    if (typeof dev !== 'object' || dev === null)
      invalid('celeriac config: "dev" must be an object', dev, '{ persist?, watch? }');
    if (dev.persist !== undefined && typeof dev.persist !== 'boolean') {
      invalid('celeriac config: "dev.persist" must be a boolean', dev.persist, 'true or false');
    }
    if (
      dev.watch !== undefined &&
      (!Array.isArray(dev.watch) || dev.watch.some((w) => typeof w !== 'string'))
    ) {
      invalid(
        'celeriac config: "dev.watch" must be a list of paths',
        dev.watch,
        'paths relative to the config file',
      );
    }
  }
  return config;
}
