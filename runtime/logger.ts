/** Fields that every log line of a task carries. Never arguments or results. */
export type LogFields = Record<string, string | number | boolean | undefined | null>;

/**
 * A structured JSON logger: one line per event on stdout (CloudWatch parses it as JSON).
 *
 * @example
 * ```ts
 * ctx.log.info('charged', { amountCents: 500 });
 * ```
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines also carry `fields`. */
  child(fields: LogFields): Logger;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;

/** Where log lines go; replaceable in tests. */
export type LogSink = (line: string) => void;

/**
 * Create a JSON logger. The level comes from `level`, else `CELERIAC_LOG_LEVEL`, else `info`.
 *
 * @example
 * ```ts
 * const log = createLogger({ service: 'worker' });
 * log.info('batch done', { records: 10 });
 * ```
 */
export function createLogger(base: LogFields = {}, sink: LogSink = defaultSink, level?: Level): Logger {
  const min = LEVELS[level ?? readLevel()];
  const write = (lvl: Level, message: string, fields?: LogFields) => {
    if (LEVELS[lvl] < min) return;
    sink(JSON.stringify({ level: lvl, time: new Date().toISOString(), message, ...base, ...fields }));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, sink, level),
  };
}

function readLevel(): Level {
  const raw = process.env.CELERIAC_LOG_LEVEL?.toLowerCase();
  return raw && raw in LEVELS ? (raw as Level) : 'info';
}

function defaultSink(line: string): void {
  process.stdout.write(`${line}\n`);
}
