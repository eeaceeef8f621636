import { connect, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, inject, it } from 'vitest';

/** This machine's addresses other than loopback (IPv6 link-local ones need a zone: skipped). */
const outside = Object.values(networkInterfaces())
  .flat()
  .filter((i) => i !== undefined && !i.internal && !i.address.startsWith('fe80'))
  .map((i) => i!.address);

/** Connect and report 'connected' or the error code. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

const portOf = (endpoint: string) => Number(new URL(endpoint).port);

describe('local servers listen on loopback only', () => {
  it.skipIf(outside.length === 0)(
    `SQS (fauxqs) and DynamoDB Local refuse connections to ${outside.join(', ') || 'this machine'}, and answer on 127.0.0.1`,
    async () => {
      for (const endpoint of [inject('sqsEndpoint'), inject('dynamodbEndpoint')]) {
        expect(await tryConnect('127.0.0.1', portOf(endpoint))).toBe('connected');
        for (const address of outside) {
          expect({ endpoint, address, outcome: await tryConnect(address, portOf(endpoint)) }).toEqual({
            endpoint,
            address,
            outcome: 'ECONNREFUSED',
          });
        }
      }
    },
  );

  it.skipIf(outside.length === 0)(
    'the probe itself reaches a server that listens on every interface',
    async () => {
      const server = createServer((s) => s.destroy());
      await new Promise<void>((r) => server.listen(0, r));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      try {
        for (const host of outside) expect(await tryConnect(host, port)).toBe('connected');
      } finally {
        server.close();
      }
    },
  );
});
