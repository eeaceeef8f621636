import type { Command } from 'commander';
import type { Registry } from '../../../runtime/index.js';
import { enqueueByName } from '../../api/ops/tasks.js';
import { contextOf } from '../context.js';
import { CliError, ExitCode } from '../exit.js';
import { table } from '../output.js';
import { asCliError } from './tasks.js';

/** A schedule as the CLI shows it, read leniently from `registry.schedules`. */
interface ScheduleView {
  readonly name: string;
  readonly expression: string;
  readonly task: string;
  readonly timezone?: string;
  readonly args?: unknown;
}

/** Read `registry.schedules` (an array, a Map or a record), whatever shape the schedules module gives it. */
function schedulesOf(registry: Registry): ScheduleView[] {
  const raw = (registry as { schedules?: unknown }).schedules;
  if (!raw) return [];
  const entries: [string | undefined, unknown][] =
    raw instanceof Map
      ? [...raw.entries()]
      : Array.isArray(raw)
        ? raw.map((s) => [undefined, s])
        : Object.entries(raw as Record<string, unknown>);
  return entries.map(([key, value]) => {
    const s = (value ?? {}) as Record<string, unknown>;
    const task = s.task as { name?: string } | string | undefined;
    return {
      name: String(s.name ?? s.id ?? key ?? '?'),
      expression: String(s.expression ?? s.cron ?? s.schedule ?? '?'),
      task: typeof task === 'string' ? task : String(task?.name ?? '?'),
      ...(s.timezone ? { timezone: String(s.timezone) } : {}),
      ...(s.args !== undefined ? { args: s.args } : {}),
    };
  });
}

/**
 * `cron ls` and `cron run <name>` over the registry's schedules.
 *
 * @example
 * ```ts
 * cronCommands(program);
 * ```
 */
export function cronCommands(program: Command): void {
  const cron = program.command('cron').description('schedules defined in code (beat)');
  cron
    .command('ls')
    .description('list the schedules')
    .action((_opts, cmd: Command) => {
      const { out, target } = contextOf(cmd);
      const schedules = schedulesOf(target().registry);
      if (out.json) return out.data({ schedules });
      if (!schedules.length) return out.line('no schedules defined');
      out.line(
        table(
          schedules.map((s) => [s.name, s.expression, s.timezone ?? 'UTC', s.task]),
          ['NAME', 'SCHEDULE', 'TIMEZONE', 'TASK'],
        ),
      );
    });
  cron
    .command('run')
    .description('run a schedule now: enqueue its task with its arguments')
    .argument('<name>', 'schedule name')
    .action(async (name: string, _opts, cmd: Command) => {
      const { out, target } = contextOf(cmd);
      const { client, registry } = target();
      const schedules = schedulesOf(registry);
      if (!schedules.length) return out.line('no schedules defined');
      const s = schedules.find((x) => x.name === name);
      if (!s) {
        throw new CliError(
          ExitCode.NOT_FOUND,
          `no schedule "${name}"; schedules: ${schedules.map((x) => x.name).join(', ')}`,
        );
      }
      const res = await enqueueByName(client, registry, {
        task: s.task,
        args: s.args ?? null,
        tags: [`schedule:${s.name}`],
      }).catch((err) => {
        throw asCliError(err);
      });
      if (out.json) out.data(res);
      else out.line(`${res.id}  enqueued ${res.task} for schedule ${s.name}`);
    });
}
