import { createLogger, type Logger } from '../../runtime/internal.js';

/** A logger that writes nothing: bench workers must not mix log lines into `--json` output. */
export function quietLogger(): Logger {
  return createLogger({}, () => undefined);
}
