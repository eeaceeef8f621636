import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { runDev } from '../../local/dev.js';
import { LocalStackError } from '../../local/servers.js';
import { contextOf } from '../context.js';
import { CliError, ExitCode } from '../exit.js';
import { startSigningProxy } from '../proxy.js';

/** Open a URL in the desktop browser, best effort. */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}

/**
 * `dev` (the local stack) and `dashboard` (open it, locally or through a signing proxy).
 *
 * @example
 * ```ts
 * devCommands(program);
 * ```
 */
export function devCommands(program: Command): void {
  program
    .command('dev')
    .description(
      "run the app locally: SQS, DynamoDB, a Scheduler, its workers, results API and dashboard; reloads the workers when the app's code changes (Ctrl-C stops)",
    )
    .option(
      '--run <script>',
      'run this TypeScript or JavaScript file once the stack is ready (a seed, a demo)',
    )
    .option('--once', 'stop once the --run script ends, with its exit code')
    .option(
      '--persist',
      "keep the results table on disk under .celeriac/dynamodb (default: the config's dev.persist)",
    )
    .option('--no-watch', 'do not reload the workers on changes')
    .action(async (opts, cmd: Command) => {
      const globals = cmd.optsWithGlobals<{ config?: string }>();
      let session: Awaited<ReturnType<typeof runDev>>;
      try {
        session = await runDev({
          ...(globals.config ? { config: globals.config } : {}),
          ...(opts.run ? { run: opts.run } : {}),
          ...(opts.once ? { once: true } : {}),
          ...(opts.persist ? { persist: true } : {}),
          watch: opts.watch !== false,
        });
      } catch (err) {
        if (err instanceof LocalStackError) throw new CliError(ExitCode.FAILURE, `dev: ${err.message}`);
        throw err;
      }
      const stop = () => void session.stop();
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      process.exitCode = await session.done;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    });

  program
    .command('dashboard')
    .description(
      'open the dashboard: the local one, or a deployed one through a SigV4 signing proxy on 127.0.0.1',
    )
    .option('--open', 'also open it in the browser')
    .option('--url <functionUrl>', 'the deployed results API URL (default: CeleriacApiUrl from --outputs)')
    .option('--port <port>', 'proxy port on 127.0.0.1', '8788')
    .option('--region <region>', 'AWS region of the Function URL (default: from its host name)')
    .action(async (opts, cmd: Command) => {
      const { out, target } = contextOf(cmd);
      const t = await target();
      if (t.kind === 'local' && !opts.url) {
        if (!t.localApi)
          throw new CliError(ExitCode.FAILURE, `${t.source} names no API server: restart \`celeriac dev\``);
        const url = `${t.localApi.url}/?token=${t.localApi.token}`;
        if (out.json) out.data({ url });
        else out.line(url);
        if (opts.open) openBrowser(url);
        return;
      }
      const apiUrl = opts.url ?? t.apiUrl;
      if (!apiUrl) {
        throw new CliError(
          ExitCode.USAGE,
          `no results API URL in ${t.source}: pass --url <Function URL> (the stack output CeleriacApiUrl)`,
        );
      }
      const proxy = await startSigningProxy({
        target: apiUrl,
        port: Number(opts.port),
        ...(opts.region ? { region: opts.region } : {}),
      });
      if (out.json) out.data({ url: proxy.dashboardUrl, target: apiUrl });
      else {
        out.line(proxy.dashboardUrl);
        out.note(`signing requests to ${apiUrl} with your AWS credentials; 127.0.0.1 only. Ctrl-C stops.`);
      }
      if (opts.open) openBrowser(proxy.dashboardUrl);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await proxy.close();
    });
}
