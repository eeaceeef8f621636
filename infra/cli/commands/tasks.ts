import type { Command } from 'commander';
import {
  CeleriacError,
  type ListOptions,
  TaskQuery,
  type TaskRecord,
  type TaskSummary,
} from '../../../runtime/internal.js';
import { planOf } from '../../../runtime/plan.js';
import { ApiError } from '../../api/errors.js';
import { checkId, enqueueByName, revokeTask } from '../../api/ops/tasks.js';
import { parseDuration, parseListQuery } from '../../api/params.js';
import { contextOf } from '../context.js';
import { CliError, ExitCode } from '../exit.js';
import { ago, ms, type Output, table } from '../output.js';
import { waitForFinal } from '../wait.js';

/** Map library and API errors to exit codes: bad input → 2, unknown names → 3. */
export function asCliError(err: unknown): unknown {
  if (err instanceof CeleriacError) {
    const notFound = err.code === 'UNKNOWN_TASK' || err.code === 'UNKNOWN_QUEUE';
    const usage = !notFound && err.code !== 'SEND_FAILED' && !err.code.startsWith('CONFIG');
    return new CliError(
      notFound ? ExitCode.NOT_FOUND : usage ? ExitCode.USAGE : ExitCode.FAILURE,
      err.message,
    );
  }
  if (err instanceof ApiError) {
    const code =
      err.status === 404 ? ExitCode.NOT_FOUND : err.status === 400 ? ExitCode.USAGE : ExitCode.FAILURE;
    return new CliError(code, err.message);
  }
  return err;
}

function parseJsonArg(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(ExitCode.USAGE, `${what} is not JSON: ${(err as Error).message}`);
  }
}

function printRecord(out: Output, rec: TaskRecord): void {
  if (out.json) {
    out.data(rec);
    return;
  }
  out.line(`${out.color(rec.state)}  ${rec.task}  ${rec.id}`);
  const facts: [string, string | undefined][] = [
    ['queue', rec.queue],
    ['attempts', String(rec.attempts)],
    ['enqueued', rec.enqueuedAt ? new Date(rec.enqueuedAt).toISOString() : undefined],
    ['run time', rec.runtimeMs !== undefined ? ms(rec.runtimeMs) : undefined],
    ['root', rec.rootId !== rec.id ? rec.rootId : undefined],
    ['parent', rec.parentId],
    ['tags', rec.tags.length ? rec.tags.join(', ') : undefined],
  ];
  for (const [k, v] of facts) if (v) out.line(`  ${out.dim(k.padEnd(9))} ${v}`);
  if (rec.args !== undefined) out.line(`  ${out.dim('args'.padEnd(9))} ${JSON.stringify(rec.args)}`);
  if (rec.result !== undefined) out.line(`  ${out.dim('result'.padEnd(9))} ${JSON.stringify(rec.result)}`);
  if (rec.error) {
    out.line(
      `  ${out.dim('error'.padEnd(9))} ${out.color('FAILURE', `${rec.error.type}: ${rec.error.message}`)}`,
    );
    if (rec.error.stack) out.line(rec.error.stack.replace(/^/gm, '    '));
  }
  if (rec.history.length) {
    out.line(`  ${out.dim('timeline')}`);
    for (const ev of rec.history) {
      const extra = ev.error ? `  ${ev.error.type}: ${ev.error.message}` : '';
      out.line(
        `    ${new Date(ev.at).toISOString()}  ${out.color(ev.state).padEnd(7)}  attempt ${ev.attempt}${extra}`,
      );
    }
  }
}

/** Exit code of a finished task: 0 success, 1 failed or revoked. */
function finalExit(rec: TaskRecord): void {
  if (rec.state !== 'SUCCESS') process.exitCode = ExitCode.FAILURE;
}

/**
 * `enqueue`, `get`, `wait`, `ls`, `revoke`.
 *
 * @example
 * ```ts
 * taskCommands(program);
 * ```
 */
export function taskCommands(program: Command): void {
  program
    .command('enqueue')
    .description('enqueue a task by name; its arguments are checked against its schema first')
    .argument('<task>', 'registered task name, e.g. examples.send-welcome')
    .option('-a, --args <json>', 'arguments as JSON', 'null')
    .option('-d, --delay <duration>', 'run no sooner than this from now (≤ 15m), e.g. 30s')
    .option('-q, --queue <name>', "send to this queue instead of the task's own")
    .option('-t, --tag <tag...>', 'extra tags for this run')
    .option('--id <id>', 'your own task id')
    .option('-w, --wait', 'wait for the result (exit 1 if the task fails)')
    .option('--timeout <duration>', 'with --wait: give up after this long (exit 4)', '60s')
    .action(async (name: string, opts, cmd: Command) => {
      const { out, target } = contextOf(cmd);
      const { client, registry } = await target();
      const args = parseJsonArg(opts.args, '--args');
      const enqueued = await enqueueByName(client, registry, {
        task: name,
        args,
        ...(opts.delay ? { delay: opts.delay } : {}),
        ...(opts.queue ? { queue: opts.queue } : {}),
        ...(opts.tag ? { tags: opts.tag } : {}),
        ...(opts.id ? { id: opts.id } : {}),
      }).catch((err) => {
        throw asCliError(err);
      });
      if (!opts.wait) {
        if (out.json) out.data(enqueued);
        else out.line(`${enqueued.id}  ${out.dim(`enqueued ${enqueued.task} on ${enqueued.queue}`)}`);
        return;
      }
      if (!out.json) out.note(`enqueued ${enqueued.task} ${enqueued.id}; waiting…`);
      const rec = await waitForFinal(client, enqueued.id, parseDuration(opts.timeout, '--timeout'));
      if (!rec)
        throw new CliError(ExitCode.TIMEOUT, `task ${enqueued.id} not finished after ${opts.timeout}`);
      printRecord(out, rec);
      finalExit(rec);
    });

  program
    .command('get')
    .description("show a task's state, arguments, result, error and timeline")
    .argument('<id>', 'task id')
    .action(async (id: string, _opts, cmd: Command) => {
      const { out, target } = contextOf(cmd);
      const rec = await (await target()).client.results.get(checkIdOrUsage(id));
      if (!rec) throw new CliError(ExitCode.NOT_FOUND, notStored(id));
      printRecord(out, rec);
    });

  program
    .command('wait')
    .description('wait until a task finishes: exit 0 on SUCCESS, 1 on FAILURE/REVOKED, 4 on timeout')
    .argument('<id>', 'task id')
    .option('--timeout <duration>', 'give up after this long', '60s')
    .action(async (id: string, opts, cmd: Command) => {
      const { out, target } = contextOf(cmd);
      const rec = await waitForFinal(
        (await target()).client,
        checkIdOrUsage(id),
        parseDuration(opts.timeout, '--timeout'),
        250,
        (s) => {
          if (!out.json) out.note(`${id}: ${s}`);
        },
      );
      if (!rec) throw new CliError(ExitCode.TIMEOUT, `task ${id} not finished after ${opts.timeout}`);
      printRecord(out, rec);
      finalExit(rec);
    });

  program
    .command('ls')
    .description('list tasks, most recently updated first')
    .option('-s, --state <state>', 'SUCCESS, FAILURE, RETRY, STARTED or REVOKED')
    .option('--task <name>', 'one task name')
    .option('-q, --queue <name>', 'one queue')
    .option('-t, --tag <tag>', 'tasks carrying this tag')
    .option('--since <when>', 'updated since: 15m, 2h, 7d, an ISO date or epoch ms')
    .option('--until <when>', 'updated until (same forms)')
    .option('-n, --limit <n>', 'rows per page (1-200)', '50')
    .option('--cursor <cursor>', 'continue after a previous page')
    .option('--all', 'follow the cursor to the end')
    .action(async (opts, cmd: Command) => {
      const { out, target } = contextOf(cmd);
      const { client, registry } = await target();
      const plan = planOf(registry);
      const query = new TaskQuery(client.dynamodb, client.config.table, {
        taskNames: plan.tasks.map((t) => t.name),
        shards: plan.table.shards,
      });
      let options: ListOptions;
      try {
        options = parseListQuery(opts, Date.now());
      } catch (err) {
        throw asCliError(err);
      }
      const items: TaskSummary[] = [];
      let cursor = options.cursor;
      do {
        const page = await query.list({ ...options, ...(cursor ? { cursor } : {}) }).catch((err) => {
          throw asCliError(err);
        });
        items.push(...page.items);
        cursor = page.cursor;
      } while (opts.all && cursor);
      if (out.json) return out.data({ items, ...(cursor ? { cursor } : {}) });
      if (!items.length) out.note('no tasks match');
      else {
        out.line(
          table(
            items.map((t) => [
              out.color(t.state),
              t.task,
              t.id,
              t.queue,
              String(t.attempts),
              ago(t.updatedAt),
              ms(t.runtimeMs),
              t.errorType ?? '',
            ]),
            ['STATE', 'TASK', 'ID', 'QUEUE', 'TRIES', 'UPDATED', 'RUN TIME', 'ERROR'],
            [false, false, false, false, true, false, true, false],
          ),
        );
      }
      if (cursor) out.note(out.dim(`more: add --cursor ${cursor} (or --all)`));
    });

  program
    .command('revoke')
    .description('revoke a task: the worker skips it (exit 1 if it already finished)')
    .argument('<id>', 'task id')
    .option('--task <name>', 'its task name, for a task not stored yet (still pending)')
    .option('--reason <text>', 'why, recorded with the task')
    .action(async (id: string, opts, cmd: Command) => {
      const { out, target } = contextOf(cmd);
      const { client, registry } = await target();
      const res = await revokeTask(client, registry, checkIdOrUsage(id), {
        ...(opts.task ? { task: opts.task } : {}),
        ...(opts.reason ? { reason: opts.reason } : {}),
      }).catch((err) => {
        throw asCliError(err);
      });
      if (out.json) out.data(res);
      else out.line(res.revoked ? `revoked ${id}` : `${id} was already revoked`);
    });
}

function checkIdOrUsage(id: string): string {
  try {
    return checkId(id);
  } catch (err) {
    throw asCliError(err);
  }
}

function notStored(id: string): string {
  return `task ${id} has no stored record: pending, unknown, expired, or its task stores no results`;
}
