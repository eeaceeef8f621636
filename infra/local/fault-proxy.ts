import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { FaultKind, FaultTarget } from './fault-types.js';
import { faultAnswer } from './fault-wire.js';

export type { FaultKind, FaultTarget } from './fault-types.js';

/**
 * Probabilities (0–1) that a request gets each fault instead of reaching the server. They are
 * tried in this order with one random draw, so their sum is the share of requests faulted.
 * - `throttle`: the service's own throttling error, in its wire format.
 * - `serverError`: a 500 or 503 in the service's wire format.
 * - `refuse`: the connection is reset before any answer (the SDK sees ECONNRESET).
 * - `drop`: the request is held and never answered (a dropped packet); only a client
 *   request timeout ends it. Held requests are released when the proxy stops.
 */
export interface FaultRates {
  readonly throttle?: number;
  readonly serverError?: number;
  readonly refuse?: number;
  readonly drop?: number;
}

/** One request as the proxy sees it, for {@link FaultProxyOptions.eligible}. */
export interface FaultRequest {
  readonly target: FaultTarget;
  /** The API operation: `SendMessageBatch`, `UpdateItem`, `CreateSchedule`… */
  readonly operation: string;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** The real endpoints to stand in front of (each gets its own loopback port). */
  readonly targets: Readonly<Partial<Record<FaultTarget, string>>>;
  /** Rates for every target. @default no faults */
  readonly rates?: FaultRates;
  /** Rates for one target, instead of `rates`. */
  readonly targetRates?: Readonly<Partial<Record<FaultTarget, FaultRates>>>;
  /** Only these requests may be faulted. @default every request */
  readonly eligible?: (request: FaultRequest) => boolean;
  /** Uniform in [0, 1) (a seeded generator makes a run repeatable). @default Math.random */
  readonly random?: () => number;
}

/** Counts of one target, or of one operation. */
export type FaultCounts = Record<FaultKind | 'forwarded', number>;

/** What the proxy did since it started. */
export interface FaultStats {
  readonly targets: Record<FaultTarget, FaultCounts>;
  /** Keyed `target.Operation`, e.g. `dynamodb.UpdateItem`. */
  readonly operations: Map<string, FaultCounts>;
}

/** A running fault-injection proxy. */
export interface FaultProxy {
  /** Endpoints to give SDK clients instead of the real ones (only the targets passed). */
  readonly endpoints: Readonly<Partial<Record<FaultTarget, string>>>;
  readonly stats: FaultStats;
  /** Change the rates from now on (e.g. start clean, then turn faults on). */
  setRates(rates: FaultRates, targetRates?: FaultProxyOptions['targetRates']): void;
  /** Close the listeners, reset held (dropped) requests. */
  stop(): Promise<void>;
}

const KINDS: readonly FaultKind[] = ['throttle', 'serverError', 'refuse', 'drop'];
const zero = (): FaultCounts => ({ forwarded: 0, throttle: 0, serverError: 0, refuse: 0, drop: 0 });

/**
 * Start an HTTP proxy on loopback in front of local SQS, DynamoDB and Scheduler servers that
 * forwards requests untouched, except a chosen share of them which get the service's own
 * throttling error (SQS `RequestThrottled` / `ThrottlingException`, DynamoDB
 * `ProvisionedThroughputExceededException` / `ThrottlingException`, Scheduler 429
 * `ThrottlingException`), a 5xx, a reset connection or no answer at all. A faulted request never
 * reaches the server, as with AWS's own throttling: the SDK's retry and the runtime's must
 * cope. Listens on 127.0.0.1 only.
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy({
 *   targets: { sqs: sqsEndpoint, dynamodb: dynamoEndpoint },
 *   rates: { throttle: 0.2 },
 * });
 * new DynamoDBClient({ endpoint: proxy.endpoints.dynamodb });
 * ```
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const random = options.random ?? Math.random;
  let rates: FaultRates = options.rates ?? {};
  let targetRates = options.targetRates ?? {};
  const stats: FaultStats = {
    targets: { sqs: zero(), dynamodb: zero(), scheduler: zero() },
    operations: new Map(),
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const held = new Set<Socket>();
  const servers: { close(): Promise<void> }[] = [];
  const endpoints: Partial<Record<FaultTarget, string>> = {};

  const count = (target: FaultTarget, operation: string, kind: FaultKind | 'forwarded') => {
    stats.targets[target][kind]++;
    const key = `${target}.${operation}`;
    const ops = stats.operations.get(key) ?? zero();
    stats.operations.set(key, ops);
    ops[kind]++;
  };

  const pick = (target: FaultTarget, operation: string): FaultKind | undefined => {
    if (options.eligible && !options.eligible({ target, operation })) return undefined;
    const r = targetRates[target] ?? rates;
    let draw = random();
    for (const kind of KINDS) {
      const p = r[kind] ?? 0;
      if (draw < p) return kind;
      draw -= p;
    }
    return undefined;
  };

  const listen = async (target: FaultTarget, upstream: URL) => {
    const server = createServer((req, res) => {
      const operation = operationOf(target, req);
      const fault = pick(target, operation);
      if (fault) count(target, operation, fault);
      if (fault === 'drop') {
        held.add(req.socket);
        req.socket.once('close', () => held.delete(req.socket));
        req.resume();
        return;
      }
      if (fault === 'refuse') {
        req.socket.resetAndDestroy();
        return;
      }
      if (fault) {
        req.resume();
        req.once('end', () => answer(res, faultAnswer(target, fault, random)));
        return;
      }
      count(target, operation, 'forwarded');
      forward(req, res, upstream, agent);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    endpoints[target] = `http://127.0.0.1:${port}`;
    servers.push({
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    });
  };

  try {
    for (const [target, endpoint] of Object.entries(options.targets) as [FaultTarget, string][]) {
      if (endpoint) await listen(target, new URL(endpoint));
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }

  return {
    endpoints,
    stats,
    setRates(next, nextTargetRates = {}) {
      rates = next;
      targetRates = nextTargetRates;
    },
    async stop() {
      for (const socket of held) socket.destroy();
      held.clear();
      await Promise.all(servers.map((s) => s.close()));
      agent.destroy();
    },
  };
}

/** The API operation of a request: the JSON protocols' `X-Amz-Target`, Scheduler's REST route. */
export function operationOf(target: FaultTarget, req: IncomingMessage): string {
  const amzTarget = req.headers['x-amz-target'];
  if (typeof amzTarget === 'string') return amzTarget.slice(amzTarget.lastIndexOf('.') + 1);
  if (target === 'scheduler') {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    const one = /^\/schedules\/[^/]+$/.test(path);
    switch (req.method) {
      case 'POST':
        return one ? 'CreateSchedule' : 'Unknown';
      case 'PUT':
        return 'UpdateSchedule';
      case 'DELETE':
        return 'DeleteSchedule';
      case 'GET':
        return one ? 'GetSchedule' : 'ListSchedules';
    }
  }
  return 'Unknown';
}

function forward(req: IncomingMessage, res: ServerResponse, upstream: URL, agent: Agent): void {
  const out = request(
    {
      agent,
      hostname: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  out.on('error', () => {
    // The server itself failed (stopped, refused): the client sees its connection reset.
    if (!res.headersSent) req.socket.destroy();
  });
  req.pipe(out);
}

function answer(res: ServerResponse, fault: ReturnType<typeof faultAnswer>): void {
  const body = JSON.stringify(fault.body);
  res.writeHead(fault.status, {
    'content-type': fault.contentType,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
    ...fault.headers,
  });
  res.end(body);
}
