import { existsSync, readFileSync } from 'node:fs';
import {
  CeleriacClient,
  type CeleriacConfig,
  CONFIG_ENV,
  CONFIG_FILE_ENV,
  loadConfig,
  parseConfig,
  type Registry,
  type ResourcePlan,
} from '../../runtime/internal.js';
import { planOf } from '../../runtime/plan.js';
import { localConfigPath } from '../local/local-config.js';
import { loadProject } from '../project/load.js';
import { CliError, ExitCode } from './exit.js';

/** Where the CLI acts: the local stack or a deployed one. */
export interface Target {
  readonly kind: 'local' | 'deployed';
  /** Where the config came from, for messages. */
  readonly source: string;
  readonly client: CeleriacClient;
  readonly registry: Registry;
  readonly plan: ResourcePlan;
  /** The local API server (from `celeriac dev`). */
  readonly localApi?: { readonly url: string; readonly token: string };
  /** The deployed results API's Function URL (stack output `CeleriacApiUrl`). */
  readonly apiUrl?: string;
}

/** Options that choose the target. */
export interface TargetOptions {
  /** A `cdk deploy --outputs-file` JSON file. */
  readonly outputs?: string;
  /** The stack in that file. @default the only one with a `CeleriacConfig` output */
  readonly stack?: string;
  /** The app's config file. @default the nearest `celeriac.config.*` from the working directory up */
  readonly config?: string;
}

function readJson(path: string): unknown {
  if (!existsSync(path)) throw new CliError(ExitCode.USAGE, `${path}: no such file`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CliError(ExitCode.USAGE, `${path}: not JSON (${(err as Error).message})`);
  }
}

function fromOutputs(
  path: string,
  stackName: string | undefined,
): { config: CeleriacConfig; apiUrl?: string; stack: string } {
  const file = readJson(path) as Record<string, Record<string, string>>;
  const stacks = Object.entries(file).filter(([, outputs]) => typeof outputs?.CeleriacConfig === 'string');
  const chosen = stackName
    ? stacks.find(([name]) => name === stackName)
    : stacks.length === 1
      ? stacks[0]
      : undefined;
  if (!chosen) {
    const names = stacks.map(([n]) => n).join(', ') || '(none with a CeleriacConfig output)';
    throw new CliError(
      ExitCode.USAGE,
      stackName
        ? `${path}: stack "${stackName}" has no CeleriacConfig output; stacks: ${names}`
        : `${path}: pick a stack with --stack; stacks: ${names}`,
    );
  }
  const [stack, outputs] = chosen;
  const config = parseConfig(JSON.parse(outputs.CeleriacConfig!), `${path} ${stack}.CeleriacConfig`);
  const apiUrl = outputs.CeleriacApiUrl ?? Object.entries(outputs).find(([k]) => /ApiUrl$/.test(k))?.[1];
  return { config, stack, ...(apiUrl ? { apiUrl } : {}) };
}

/**
 * Resolve the target: the app's registry from its `celeriac.config.ts`, and where it runs:
 * `--outputs` (a deployed stack), else `CELERIAC_CONFIG` / `CELERIAC_CONFIG_FILE`, else the
 * running local stack's `.celeriac/local.json` beside the config file.
 *
 * @throws CliError when none is available, saying how to get one.
 * @example
 * ```ts
 * const target = await resolveTarget({ outputs: 'cdk-outputs.json' });
 * ```
 */
export async function resolveTarget(options: TargetOptions): Promise<Target> {
  const project = await loadProject(options.config ? { config: options.config } : {});
  const registry = project.registry;
  const base = { registry, plan: planOf(registry) };
  const LOCAL_CONFIG_PATH = localConfigPath(project.root);
  if (options.outputs) {
    const { config, apiUrl, stack } = fromOutputs(options.outputs, options.stack);
    return {
      ...base,
      kind: 'deployed',
      source: `${options.outputs} (${stack})`,
      client: new CeleriacClient({ config }),
      ...(apiUrl ? { apiUrl } : {}),
    };
  }
  if (process.env[CONFIG_ENV] || process.env[CONFIG_FILE_ENV]) {
    const config = loadConfig();
    const local = config.endpoints?.sqs !== undefined;
    return {
      ...base,
      kind: local ? 'local' : 'deployed',
      source: process.env[CONFIG_ENV] ? CONFIG_ENV : String(process.env[CONFIG_FILE_ENV]),
      client: new CeleriacClient({ config }),
      ...(process.env.CELERIAC_API_URL ? { apiUrl: process.env.CELERIAC_API_URL } : {}),
    };
  }
  if (existsSync(LOCAL_CONFIG_PATH)) {
    const raw = readJson(LOCAL_CONFIG_PATH) as { api?: { url?: string; token?: string } };
    const config = parseConfig(raw, LOCAL_CONFIG_PATH);
    const api = raw.api?.url && raw.api.token ? { url: raw.api.url, token: raw.api.token } : undefined;
    return {
      ...base,
      kind: 'local',
      source: LOCAL_CONFIG_PATH,
      client: new CeleriacClient({ config }),
      ...(api ? { localApi: api } : {}),
    };
  }
  throw new CliError(
    ExitCode.FAILURE,
    'no Celeriac stack to talk to: start the local one with `celeriac dev`, or pass --outputs cdk-outputs.json (from `cdk deploy --outputs-file`), or set CELERIAC_CONFIG',
  );
}
