#!/usr/bin/env node
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { CeleriacError } from '../../runtime/internal.js';
import { cronCommands } from './commands/cron.js';
import { devCommands } from './commands/dev.js';
import { initCommand } from './commands/init.js';
import { queueCommands } from './commands/queues.js';
import { asCliError, taskCommands } from './commands/tasks.js';
import { workflowCommand } from './commands/workflow.js';
import { CliError, ExitCode } from './exit.js';

/**
 * The `celeriac` command line: the local stack, tasks, queues, workflows, schedules and the
 * dashboard, against the local stack (`.celeriac/local.json`) or a deployed one
 * (`--outputs cdk-outputs.json`, or `CELERIAC_CONFIG`).
 *
 * Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 timeout.
 *
 * @example
 * ```ts
 * await buildProgram().parseAsync(['node', 'celeriac', 'ls', '--state', 'FAILURE']);
 * ```
 */
export function buildProgram(): Command {
  const program = new Command('celeriac')
    .description('Celery for AWS serverless: run, watch, search, redrive and revoke tasks')
    .option('--json', 'print JSON for scripts instead of tables')
    .option('--outputs <file>', 'a deployed stack: the file written by `cdk deploy --outputs-file`')
    .option('--stack <name>', 'the stack in the outputs file (when it holds several)')
    .option('--config <file>', "the app's celeriac.config.ts (default: the nearest one from here up)")
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  initCommand(program);
  devCommands(program);
  taskCommands(program);
  workflowCommand(program);
  queueCommands(program);
  cronCommands(program);
  for (const cmd of program.commands) {
    cmd.exitOverride();
    for (const sub of cmd.commands) sub.exitOverride();
  }
  return program;
}

/**
 * Run the CLI and return its exit code (never throws).
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv);
 * ```
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    await buildProgram().parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      const ok =
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help';
      return ok ? ExitCode.OK : ExitCode.USAGE;
    }
    const cli = asCliError(err);
    if (cli instanceof CliError) {
      process.stderr.write(`celeriac: ${cli.message}\n`);
      return cli.exitCode;
    }
    const e = err as Error;
    if (err instanceof CeleriacError) process.stderr.write(`celeriac: ${e.message}\n`);
    else process.stderr.write(`celeriac: ${e?.name ?? 'Error'}: ${e?.message ?? String(err)}\n`);
    return ExitCode.FAILURE;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runCli(process.argv).then((code) => {
    process.exitCode = code;
  });
}
