import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readProjectConfig } from '../project/load.js';
import { type ApiProxy, startApiProxy } from './api-proxy.js';
import { APP_HOST_ENV, type AppHostMessage, type AppHostSettings } from './app-host.js';
import { localConfigPath, writeLocalConfig } from './local-config.js';
import { LocalStackError } from './servers.js';
import { type LocalServers, startLocalServers } from './stack.js';
import { watchFiles } from './watch.js';

/** The environment variable that sets the local API and dashboard port. */
export const API_PORT_ENV = 'CELERIAC_API_PORT';
const DEFAULT_API_PORT = 8787;

/** Options of {@link runDev}. */
export interface DevOptions {
  /** The app's config file. @default the nearest celeriac.config.* */
  readonly config?: string;
  /** A script to run once the stack is ready (a seed, a demo), with CELERIAC_CONFIG_FILE set. */
  readonly run?: string;
  /** Stop after `run` ends (exit with its code). */
  readonly once?: boolean;
  /** Keep DynamoDB Local's tables on disk under `.celeriac/dynamodb`. @default the config's `dev.persist`, else false */
  readonly persist?: boolean;
  /** Reload the workers when the app's code changes. @default true */
  readonly watch?: boolean;
  /** Where lines are printed. @default stdout */
  readonly print?: (line: string) => void;
}

/** A running `celeriac dev`. */
export interface DevSession {
  /** The API and dashboard address (stable across reloads). */
  readonly apiUrl: string;
  readonly token: string;
  /** `.celeriac/local.json`, for the CLI and scripts. */
  readonly configFile: string;
  /** Replace the app host now (what a file change does). Resolves with the reload time in ms. */
  reload(): Promise<number>;
  /** Stop the app host and the servers. */
  stop(): Promise<void>;
  /** Resolves when the session has stopped. */
  readonly done: Promise<number>;
}

interface Host {
  readonly child: ChildProcess;
  readonly ready: Extract<AppHostMessage, { type: 'ready' }>;
  /** Stop receiving; resolves once nothing more reaches this host's (old) code. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

function hostEntry(): string {
  // Beside this module: app-host.js once built, app-host.ts when run from source through tsx.
  const here = fileURLToPath(import.meta.url);
  return path.join(path.dirname(here), `app-host${path.extname(here)}`);
}

function startHost(settings: AppHostSettings): Promise<Host> {
  const child = fork(hostEntry(), [], {
    env: { ...process.env, [APP_HOST_ENV]: JSON.stringify(settings) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      if (child.connected) child.send({ type: 'stop' });
      else child.kill('SIGTERM');
    }
    await exited;
  };
  const drain = () =>
    new Promise<void>((resolve) => {
      if (!child.connected) return resolve();
      const onMessage = (m: AppHostMessage) => {
        if (m.type !== 'drained') return;
        child.off('message', onMessage);
        resolve();
      };
      child.on('message', onMessage);
      child.once('exit', () => resolve());
      child.send({ type: 'drain' });
    });
  return new Promise<Host>((resolve, reject) => {
    child.once('message', (m: AppHostMessage) => {
      if (m.type === 'ready') resolve({ child, ready: m, drain, stop });
      else if (m.type === 'failed') reject(new LocalStackError(`the app failed to start:\n${m.message}`));
    });
    child.once('exit', (code) =>
      reject(new LocalStackError(`the app host exited (${code}) before it was ready`)),
    );
  });
}

/** A stack recorded in `.celeriac/local.json` whose `celeriac dev` process is still alive. */
function runningStack(file: string): { pid: number; apiUrl?: string } | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { pid?: number; api?: { url?: string } };
    if (typeof saved.pid !== 'number' || saved.pid === process.pid) return undefined;
    process.kill(saved.pid, 0);
    return { pid: saved.pid, ...(saved.api?.url ? { apiUrl: saved.api.url } : {}) };
  } catch {
    return undefined; // no such process: a stale file from a stack that was killed
  }
}

function apiPort(): number {
  const raw = process.env[API_PORT_ENV];
  if (raw === undefined) return DEFAULT_API_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new LocalStackError(`${API_PORT_ENV}=${raw}: expected a port number from 0 to 65535`);
  }
  return port;
}

async function bindApi(token: string): Promise<ApiProxy> {
  const port = apiPort();
  try {
    return await startApiProxy(port, token);
  } catch (err) {
    if ((err as { code?: string }).code === 'EADDRINUSE') {
      throw new LocalStackError(`port ${port} is in use: set ${API_PORT_ENV} to a free port (0 picks one)`);
    }
    throw err;
  }
}

function runScript(script: string, configFile: string): Promise<number> {
  // The script is the app's own TypeScript: run it with tsx, which this package depends on.
  const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));
  const child = spawn(process.execPath, [tsx, script], {
    stdio: 'inherit',
    env: { ...process.env, CELERIAC_CONFIG_FILE: configFile },
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

/**
 * `celeriac dev`: the whole system on one machine. Starts SQS (fauxqs) and DynamoDB Local in
 * parallel (or uses CELERIAC_SQS_ENDPOINT / CELERIAC_DYNAMODB_ENDPOINT) and a local Scheduler,
 * then an app host that provisions the app's plan and runs its workers and results API. When the
 * app's code changes, a new app host starts and replaces the old one; the servers keep every
 * queued message and stored result. A second `celeriac dev` in the same app reuses the running
 * stack instead of starting another.
 *
 * @throws LocalStackError with a one-line reason (Java missing, port in use, the app failed to load).
 * @example
 * ```ts
 * const dev = await runDev({ run: 'tasks/demo.ts' });
 * await dev.stop();
 * ```
 */
export async function runDev(options: DevOptions = {}): Promise<DevSession> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const startedAt = performance.now();
  const files = await readProjectConfig(options.config ? { config: options.config } : {});
  const configFile = localConfigPath(files.root);
  const running = runningStack(configFile);
  if (running) {
    print(`celeriac dev: a local stack is already running for this app (pid ${running.pid}); reusing it`);
    const code = options.run ? await runScript(options.run, configFile) : 0;
    return {
      apiUrl: running.apiUrl ?? '',
      token: '',
      configFile,
      reload: async () => 0,
      stop: async () => undefined,
      done: Promise.resolve(code),
    };
  }

  print('celeriac dev: starting the local stack…');
  const token = randomBytes(32).toString('hex');
  const proxy = await bindApi(token);
  const persist = options.persist ?? files.config.dev?.persist ?? false;
  let servers: LocalServers;
  try {
    servers = await startLocalServers({
      endpoints: {
        ...(process.env.CELERIAC_SQS_ENDPOINT ? { sqs: process.env.CELERIAC_SQS_ENDPOINT } : {}),
        ...(process.env.CELERIAC_DYNAMODB_ENDPOINT
          ? { dynamodb: process.env.CELERIAC_DYNAMODB_ENDPOINT }
          : {}),
      },
      ...(persist ? { dynamodbPath: path.join(files.root, '.celeriac', 'dynamodb') } : {}),
    });
  } catch (err) {
    await proxy.close();
    throw err;
  }
  const settings: AppHostSettings = { configPath: files.configPath, endpoints: servers.endpoints, token };
  let host: Host;
  try {
    host = await startHost(settings);
  } catch (err) {
    await proxy.close();
    await servers.stop();
    throw err;
  }
  proxy.setTarget(host.ready.apiUrl);
  writeLocalConfig(
    host.ready.config as never,
    { api: { url: proxy.url, token }, pid: process.pid },
    configFile,
  );

  let reloading: Promise<number> | undefined;
  let again = false;
  let paused = false;
  const reload = (): Promise<number> => {
    // A change during a reload may not be in the code that reload loaded: reload once more after.
    if (reloading) {
      again = true;
      return reloading;
    }
    reloading = (async () => {
      const began = performance.now();
      // The old host stops receiving while the new one starts: messages wait in the queue
      // meanwhile (none is lost or cut short), and none reaches the old code afterwards.
      const old = host;
      const [next] = await Promise.allSettled([startHost(settings), paused ? undefined : old.drain()]);
      if (next.status === 'rejected') {
        paused = true;
        print(
          `celeriac dev: reload failed; workers are paused until the next change (nothing queued is lost).\n${(next.reason as Error).message}`,
        );
        return -1;
      }
      paused = false;
      host = next.value;
      proxy.setTarget(host.ready.apiUrl);
      void old.stop(); // what it still holds finishes on the old code
      const ms = performance.now() - began;
      print(`celeriac dev: reloaded in ${Math.round(ms)} ms`);
      return ms;
    })().finally(() => {
      reloading = undefined;
      if (again) {
        again = false;
        void reload();
      }
    });
    return reloading;
  };
  const watcher =
    options.watch === false
      ? undefined
      : watchFiles(files.watch, (changed) => {
          print(
            `celeriac dev: ${changed.slice(0, 3).join(', ')}${changed.length > 3 ? '…' : ''} changed; reloading`,
          );
          void reload();
        });
  // Ready means ready for a change too: the watcher sees every change from here on.
  await watcher?.ready;
  print(`  SQS (fauxqs)            ${servers.endpoints.sqs}`);
  print(
    `  DynamoDB (Local, Java)  ${servers.endpoints.dynamodb}${persist ? ' (tables kept in .celeriac/dynamodb)' : ''}`,
  );
  print(`  Scheduler (local)       ${servers.endpoints.scheduler} (long delays, beat)`);
  for (const line of [...host.ready.schedules, ...host.ready.queues]) print(`  ${line}`);
  print(`  config for the CLI and scripts: ${configFile} (CELERIAC_CONFIG_FILE)`);
  print(`  dashboard + API (127.0.0.1 only) ${proxy.dashboardUrl}`);
  print(`celeriac dev: ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s. Ctrl-C to stop.`);

  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  let stopping: Promise<void> | undefined;
  const stop = (code = 0): Promise<void> => {
    stopping ??= (async () => {
      print('celeriac dev: stopping workers and servers…');
      watcher?.close();
      await host.stop();
      await proxy.close();
      await servers.stop();
      rmSync(configFile, { force: true });
      print('celeriac dev: stopped.');
      finish(code);
    })();
    return stopping;
  };
  if (options.run) {
    void runScript(options.run, configFile).then((code) => {
      if (options.once) void stop(code);
    });
  } else if (options.once) {
    void stop(0);
  }
  return { apiUrl: proxy.url, token, configFile, reload, stop: () => stop(0), done };
}
