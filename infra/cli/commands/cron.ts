import type { Command } from 'commander';
import { type Registry, runScheduleNow } from '../../../runtime/internal.js';
import { contextOf } from '../context.js';
import { CliError, ExitCode } from '../exit.js';
import { table } from '../output.js';
import { asCliError } from './tasks.js';

/** A schedule as the CLI shows it. */
interface ScheduleView {
  readonly name: string;
  readonly expression: string;
  readonly source: string;
  readonly timezone: string;
  readonly task: string;
  readonly enabled: boolean;
}

function schedulesOf(registry: Registry): ScheduleView[] {
  return [...registry.schedules.values()].map((s) => ({
    name: s.name,
    expression: s.expression,
    source: s.source,
    timezone: s.timezone,
    task: s.task.name,
    enabled: s.enabled,
  }));
}

/**
 * `cron ls` and `cron run <name>` over the registry's schedules (beat).
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
    .action(async (_opts, cmd: Command) => {
      const { out, target } = contextOf(cmd);
      const schedules = schedulesOf((await target()).registry);
      if (out.json) return out.data({ schedules });
      if (!schedules.length) return out.line('no schedules defined');
      out.line(
        table(
          schedules.map((s) => [s.name, s.expression, s.timezone, s.task, s.enabled ? 'yes' : 'no']),
          ['NAME', 'SCHEDULE', 'TIMEZONE', 'TASK', 'ENABLED'],
        ),
      );
    });
  cron
    .command('run')
    .description("run a schedule now: enqueue its task with the schedule's arguments, as a firing would")
    .argument('<name>', 'schedule name')
    .action(async (name: string, _opts, cmd: Command) => {
      const { out, target } = contextOf(cmd);
      const { client, registry } = await target();
      if (!registry.schedules.has(name)) {
        const known = [...registry.schedules.keys()];
        throw new CliError(
          ExitCode.NOT_FOUND,
          known.length ? `no schedule "${name}"; schedules: ${known.join(', ')}` : 'no schedules defined',
        );
      }
      const handle = await runScheduleNow(registry, name, { client }).catch((err) => {
        throw asCliError(err);
      });
      if (out.json) out.data({ id: handle.id, task: handle.taskName, schedule: name });
      else out.line(`${handle.id}  enqueued ${handle.taskName} for schedule ${name}`);
    });
}
