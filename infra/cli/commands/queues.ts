import type { Command } from 'commander';
import { planQueue, purge, queueCounts, queueStatuses, redrive } from '../../api/ops/queues.js';
import { contextOf } from '../context.js';
import { CliError, ExitCode } from '../exit.js';
import { table } from '../output.js';
import { asCliError } from './tasks.js';

/**
 * `queues`, `purge`, `redrive`.
 *
 * @example
 * ```ts
 * queueCommands(program);
 * ```
 */
export function queueCommands(program: Command): void {
  program
    .command('queues')
    .description('depth, in-flight, delayed and dead-letter counts of every queue')
    .action(async (_opts, cmd: Command) => {
      const { out, target } = contextOf(cmd);
      const { client, plan } = await target();
      const queues = await queueStatuses(client, plan);
      if (out.json) return out.data({ queues });
      out.line(
        table(
          queues.map((q) => {
            const dead = q.dlq.visible + q.dlq.inFlight;
            return [
              q.name,
              q.queueName,
              String(q.counts.visible),
              String(q.counts.inFlight),
              String(q.counts.delayed),
              dead ? out.color('FAILURE', String(dead)) : '0',
            ];
          }),
          ['QUEUE', 'SQS NAME', 'WAITING', 'IN FLIGHT', 'DELAYED', 'DEAD LETTERS'],
          [false, false, true, true, true, true],
        ),
      );
    });

  program
    .command('purge')
    .description('delete every message of a queue, or of its DLQ with --dlq (needs --yes)')
    .argument('<queue>', 'logical queue name, e.g. default')
    .option('--dlq', 'purge the dead-letter queue instead of the queue')
    .option('-y, --yes', 'really delete every message')
    .action(async (name: string, opts, cmd: Command) => {
      const { out, target } = contextOf(cmd);
      const { client, plan } = await target();
      const queue = (() => {
        try {
          return planQueue(plan, name);
        } catch (err) {
          throw asCliError(err);
        }
      })();
      const which = opts.dlq ? queue.dlqName : queue.queueName;
      if (!opts.yes) throw new CliError(ExitCode.USAGE, `refusing to purge ${which} without --yes`);
      await purge(client, queue.name, opts.dlq ? 'dlq' : 'queue');
      if (out.json) out.data({ queue: queue.name, target: opts.dlq ? 'dlq' : 'queue', purged: true });
      else out.line(`purged ${which}`);
    });

  program
    .command('redrive')
    .description("move a queue's dead letters back to it, to run again")
    .argument('<queue>', 'logical queue name, e.g. default')
    .option('--max <n>', 'move at most this many', '100000')
    .action(async (name: string, opts, cmd: Command) => {
      const { out, target } = contextOf(cmd);
      const { client, plan } = await target();
      let queue: ReturnType<typeof planQueue>;
      try {
        queue = planQueue(plan, name);
      } catch (err) {
        throw asCliError(err);
      }
      const max = Number(opts.max);
      if (!Number.isInteger(max) || max < 1)
        throw new CliError(ExitCode.USAGE, `--max: got ${opts.max}; allowed: a positive integer`);
      const { dlqUrl } = client.queue(queue.name);
      const start = await queueCounts(client, dlqUrl);
      const total = start.visible + start.inFlight;
      let moved = 0;
      let failed = 0;
      for (;;) {
        const res = await redrive(client, queue.name, {
          max: Math.min(10_000, max - moved - failed),
          budgetMs: 60_000,
          onProgress: (p) => {
            if (!out.json)
              out.progress(
                `redrive ${queue.dlqName} → ${queue.queueName}: ${moved + p.moved}/${total || '?'} moved`,
              );
          },
        });
        moved += res.moved;
        failed += res.failed;
        if (!res.more || res.moved + res.failed === 0 || moved + failed >= max) break;
      }
      if (!out.json && process.stderr.isTTY) process.stderr.write('\n');
      if (out.json) out.data({ queue: queue.name, moved, failed });
      else
        out.line(
          `moved ${moved} message(s) from ${queue.dlqName} back to ${queue.queueName}${failed ? `; ${failed} refused (still in the DLQ)` : ''}`,
        );
      if (failed) process.exitCode = ExitCode.FAILURE;
    });
}
