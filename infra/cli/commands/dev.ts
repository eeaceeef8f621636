import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { CliError, ExitCode } from '../exit.js';
import { startSigningProxy } from '../proxy.js';

const DEV_ENTRY = path.resolve(import.meta.dirname, '..', '..', 'local', 'dev.ts');

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
    .description('run everything locally: SQS, DynamoDB, workers, the API and dashboard (Ctrl-C stops)')
    .option('--no-demo', 'skip the demo run of the example tasks')
    .option('--once', 'stop after the demo')
    .action(async (opts) => {
      // The dev entry reads its own flags; run it as a child with the same loader (tsx).
      const args = [...(opts.demo === false ? ['--no-demo'] : []), ...(opts.once ? ['--once'] : [])];
      const child = spawn(process.execPath, [...process.execArgv, DEV_ENTRY, ...args], { stdio: 'inherit' });
      const forward = (signal: NodeJS.Signals) => child.kill(signal);
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
      process.exitCode = code;
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
      const t = target();
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
