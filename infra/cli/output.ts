import type { TaskState } from '../../runtime/internal.js';

/** How a command prints: tables and colour for people, JSON for scripts. */
export interface Output {
  readonly json: boolean;
  /** Print a JSON value (with --json) on stdout. */
  data(value: unknown): void;
  /** Print a line for people on stdout. */
  line(text?: string): void;
  /** Progress and notes, on stderr (never mixed into --json output). */
  note(text: string): void;
  /** Rewrite the current stderr line (progress), when stderr is a terminal. */
  progress(text: string): void;
  color(state: string, text?: string): string;
  dim(text: string): string;
}

const CODES: Record<string, string> = {
  SUCCESS: '32',
  FAILURE: '31',
  RETRY: '33',
  STARTED: '34',
  REVOKED: '90',
  PENDING: '90',
};

/**
 * The command's output channel. Colour only on a terminal, and never with NO_COLOR.
 *
 * @example
 * ```ts
 * const out = createOutput({ json: false });
 * out.line(table([['a', 'b']], ['X', 'Y']));
 * ```
 */
export function createOutput(options: { json: boolean }): Output {
  const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const paint = (code: string, text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  let lastProgress = 0;
  return {
    json: options.json,
    data: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    line: (text = '') => process.stdout.write(`${text}\n`),
    note: (text) => process.stderr.write(`${text}\n`),
    progress: (text) => {
      if (process.stderr.isTTY) process.stderr.write(`\r\u001b[2K${text}`);
      else if (Date.now() - lastProgress >= 2_000) {
        // Not a terminal (CI logs): a line every 2 s at most.
        lastProgress = Date.now();
        process.stderr.write(`${text}\n`);
      }
    },
    color: (state, text = state) => paint(CODES[state as TaskState] ?? '0', text),
    dim: (text) => paint('2', text),
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes to measure widths
const ANSI = /\u001b\[[0-9;]*m/g;
const width = (text: string) => text.replace(ANSI, '').length;

/**
 * A plain-text table with a header row, columns padded to fit (colour codes ignored).
 *
 * @example
 * ```ts
 * table([['high', '3']], ['QUEUE', 'WAITING'], [false, true]);
 * ```
 */
export function table(
  rows: readonly string[][],
  header: readonly string[],
  rightAlign: readonly boolean[] = [],
): string {
  const all = [header as string[], ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => width(r[i] ?? ''))));
  return all
    .map((r) =>
      r
        .map((cell, i) => {
          const pad = ' '.repeat(Math.max(0, widths[i]! - width(cell)));
          return rightAlign[i] ? pad + cell : cell + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** "12 ms", "1.4 s", "2.0 min", or "-". */
export function ms(value: number | undefined): string {
  if (value === undefined) return '-';
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(1)} s`;
  return `${(value / 60_000).toFixed(1)} min`;
}

/** "5s ago", "3m ago", or a date. */
export function ago(at: number | undefined, now = Date.now()): string {
  if (!at) return '-';
  const d = Math.max(0, now - at);
  if (d < 60_000) return `${Math.round(d / 1000)}s ago`;
  if (d < 3_600_000) return `${Math.round(d / 60_000)}m ago`;
  if (d < 86_400_000) return `${Math.round(d / 3_600_000)}h ago`;
  return new Date(at).toISOString().slice(0, 16).replace('T', ' ');
}
