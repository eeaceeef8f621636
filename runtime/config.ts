import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { CeleriacError, ErrorCode } from './errors.js';
import { once } from './once.js';

/** The config's schemas, built on first use (never at import: a cold start does not pay for them). */
function buildSchemas() {
  const QueueEndpointSchema = v.object({
    /** SQS queue URL. */
    url: v.pipe(v.string(), v.url()),
    /** URL of its dead-letter queue. */
    dlqUrl: v.pipe(v.string(), v.url()),
    /** The queue's ARN (Scheduler targets it). @default derived from the URL and region */
    arn: v.optional(v.pipe(v.string(), v.regex(/^arn:/))),
  });

  const ConfigSchema = v.object({
    region: v.pipe(v.string(), v.minLength(1)),
    /** Results table name. */
    table: v.pipe(v.string(), v.minLength(3)),
    queues: v.record(v.string(), QueueEndpointSchema),
    /**
     * Task name → queue (or `{ queue, tags }`), generated from the plan: lets a producer enqueue
     * by name without importing the task (see docs/enqueue.md). @default absent: pass `{ queue }`
     */
    routes: v.optional(
      v.record(
        v.string(),
        v.union([
          v.pipe(v.string(), v.minLength(1)),
          v.object({ queue: v.pipe(v.string(), v.minLength(1)), tags: v.array(v.string()) }),
        ]),
      ),
    ),
    /**
     * Shards per results index key, from the plan (`table.shards`); every writer must use the
     * readers' counts. @default { task: 16, state: 16, root: 16 }
     */
    resultShards: v.optional(
      v.object({
        task: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(256)),
        state: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(256)),
        root: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(256)),
      }),
    ),
    /** Endpoint overrides (the local stack); absent in AWS. */
    endpoints: v.optional(
      v.object({
        sqs: v.optional(v.pipe(v.string(), v.url())),
        dynamodb: v.optional(v.pipe(v.string(), v.url())),
        scheduler: v.optional(v.pipe(v.string(), v.url())),
      }),
    ),
    /** EventBridge Scheduler settings for long delays and cron. */
    scheduler: v.optional(
      v.object({
        group: v.pipe(v.string(), v.minLength(1)),
        roleArn: v.pipe(v.string(), v.minLength(1)),
        dlqArn: v.optional(v.string()),
      }),
    ),
  });
  return ConfigSchema;
}

/** The config schema, built once. */
const configSchema = once(buildSchemas);

/**
 * Where Celeriac's resources live. Infra fills it for workers and producers (environment
 * variable `CELERIAC_CONFIG`); the local stack fills it for `npm run dev` and the tests.
 *
 * @example
 * ```ts
 * const config: CeleriacConfig = {
 *   region: 'eu-west-1',
 *   table: 'app-results',
 *   queues: { default: { url: 'https://sqs.eu-west-1.amazonaws.com/1/app-default', dlqUrl: '…/app-default-dlq' } },
 * };
 * ```
 */
export type CeleriacConfig = v.InferOutput<ReturnType<typeof buildSchemas>>;

/** Environment variable holding the config as JSON. */
export const CONFIG_ENV = 'CELERIAC_CONFIG';
/** Environment variable holding a path to a JSON config file (the local stack writes one). */
export const CONFIG_FILE_ENV = 'CELERIAC_CONFIG_FILE';

/**
 * Validate a config object.
 *
 * @throws CeleriacError `CONFIG_INVALID` naming the first bad field.
 * @example
 * ```ts
 * const config = parseConfig(JSON.parse(text));
 * ```
 */
export function parseConfig(input: unknown, source = 'config'): CeleriacConfig {
  const result = v.safeParse(configSchema(), input);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join('.') ?? '(root)';
  throw new CeleriacError(ErrorCode.CONFIG_INVALID, `${source}: ${path}: ${issue.message}`, {
    value: issue.input,
    allowed: 'see docs/configuration.md',
  });
}

/**
 * Read the config from the environment: `CELERIAC_CONFIG` (JSON) or `CELERIAC_CONFIG_FILE`
 * (path). Called lazily on first use, never at import.
 *
 * @throws CeleriacError `CONFIG_MISSING` when neither is set.
 * @example
 * ```ts
 * const config = loadConfig(process.env);
 * ```
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CeleriacConfig {
  const inline = env[CONFIG_ENV];
  if (inline) return parseConfig(parseJsonText(inline, CONFIG_ENV), CONFIG_ENV);
  const file = env[CONFIG_FILE_ENV];
  if (file) return parseConfig(parseJsonText(readFileSync(file, 'utf8'), file), file);
  throw new CeleriacError(
    ErrorCode.CONFIG_MISSING,
    `no Celeriac config: set ${CONFIG_ENV} (JSON) or ${CONFIG_FILE_ENV} (path), or pass one to new CeleriacClient({ config })`,
    { allowed: `${CONFIG_ENV} or ${CONFIG_FILE_ENV}` },
  );
}

function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new CeleriacError(ErrorCode.CONFIG_INVALID, `${source} is not valid JSON`, {
      value: text.slice(0, 80),
      cause,
    });
  }
}
