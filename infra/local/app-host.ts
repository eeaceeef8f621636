/**
 * The app host of `celeriac dev`: a child process that imports the app (its registry, through
 * its celeriac.config.ts), provisions its plan on the running local servers, and runs its
 * workers and its results API. `celeriac dev` starts a new one on every change of the app's
 * code and stops the old one once the new one is ready: the servers, and so every queued
 * message and stored result, stay.
 *
 * Started by {@link runDev} with an IPC channel and `CELERIAC_DEV_HOST` (JSON of
 * {@link AppHostSettings}); it answers `{ type: 'ready' }` or `{ type: 'failed' }`; on
 * `{ type: 'drain' }` it stops receiving and answers `{ type: 'drained' }`; it stops on
 * `{ type: 'stop' }` (in-flight invocations finish first) or when the parent goes away.
 */
import { startApiServer } from '../api/node-server.js';
import { loadProject } from '../project/load.js';
import { attachLocalApp, type LocalEndpoints } from './stack.js';

/** What `celeriac dev` tells its app host. */
export interface AppHostSettings {
  readonly configPath: string;
  readonly endpoints: LocalEndpoints;
  /** The local API token (the same for every app host of one `celeriac dev`). */
  readonly token: string;
}

/** Messages from the app host to `celeriac dev`. */
export type AppHostMessage =
  | {
      readonly type: 'ready';
      readonly apiUrl: string;
      readonly config: unknown;
      readonly queues: readonly string[];
      readonly schedules: readonly string[];
    }
  | { readonly type: 'failed'; readonly message: string }
  /** After `{ type: 'drain' }`: this host receives nothing more (what it holds still runs). */
  | { readonly type: 'drained' };

/** The environment variable that carries {@link AppHostSettings}. */
export const APP_HOST_ENV = 'CELERIAC_DEV_HOST';

async function main(settings: AppHostSettings): Promise<void> {
  const send = (message: AppHostMessage) => process.send?.(message);
  try {
    const project = await loadProject({ config: settings.configPath });
    const app = await attachLocalApp({ registry: project.registry, endpoints: settings.endpoints });
    const api = await startApiServer({
      client: app.client,
      registry: project.registry,
      port: 0,
      token: settings.token,
    });
    // Each poller is its own execution environment with its own worker, as in Lambda.
    app.startWorkers({
      // Short polls locally (free here): a reloaded app takes over within a second.
      waitTimeSeconds: 1,
      onInvoke: (i) => {
        if (i.outcome !== 'ok' || i.failed > 0) {
          process.stdout.write(
            `  [${i.queue}] invocation of ${i.records} record(s): ${i.outcome}, ${i.failed} returned for retry\n`,
          );
        }
      },
    });
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await app.stop();
      await api.close();
      process.exit(0);
    };
    process.on('message', (m: { type?: string }) => {
      if (m?.type === 'stop') void stop();
      if (m?.type === 'drain') void app.stopPolling().then(() => send({ type: 'drained' }));
    });
    process.on('disconnect', () => void stop());
    process.on('SIGTERM', () => void stop());
    process.on('SIGINT', () => undefined); // the terminal's Ctrl-C reaches the parent, which stops us
    send({
      type: 'ready',
      apiUrl: api.url,
      config: app.config,
      queues: app.plan.queues.map(
        (q) =>
          `queue ${q.name.padEnd(8)} → ${q.queueName} (DLQ ${q.dlqName}); batch ${q.batchSize}, concurrency ${q.maxConcurrency}, timeout ${q.workerTimeoutSeconds}s, maxReceiveCount ${q.maxReceiveCount}`,
      ),
      schedules: app.plan.schedules.map(
        (e) =>
          `beat ${e.name.padEnd(16)} ${e.expression} ${e.timezone} → ${e.task}${e.enabled ? '' : ' (disabled)'}`,
      ),
    });
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    send({ type: 'failed', message });
    process.exit(1);
  }
}

const raw = process.env[APP_HOST_ENV];
if (raw && process.send) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  void main(JSON.parse(raw) as AppHostSettings);
}
