import type { Command } from 'commander';
import { createOutput, type Output } from './output.js';
import { resolveTarget, type Target } from './target.js';

/** What every command gets: output, and the target (resolved on first use). */
export interface CommandContext {
  readonly out: Output;
  /** The target, resolved (and the app's registry loaded) on first use. */
  target(): Promise<Target>;
}

/**
 * The context of a command, from the global options (`--json`, `--outputs`, `--stack`, `--config`).
 *
 * @example
 * ```ts
 * .action(async (id, _opts, cmd) => { const { out, target } = contextOf(cmd); ... })
 * ```
 */
export function contextOf(cmd: Command): CommandContext {
  const opts = cmd.optsWithGlobals<{ json?: boolean; outputs?: string; stack?: string; config?: string }>();
  let target: Promise<Target> | undefined;
  return {
    out: createOutput({ json: opts.json === true }),
    target: () => {
      target ??= resolveTarget({
        ...(opts.outputs ? { outputs: opts.outputs } : {}),
        ...(opts.stack ? { stack: opts.stack } : {}),
        ...(opts.config ? { config: opts.config } : {}),
      });
      return target;
    },
  };
}
