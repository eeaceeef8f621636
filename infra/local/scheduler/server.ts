import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { deliver, retryDecision, sendDeadLetter } from './delivery.js';
import { nextFiring } from './expression.js';
import type { DeadLetter, Firing, LocalSchedule, RecordedRequest } from './types.js';
import { scheduleProblem } from './validate.js';

export type { DeadLetter, Firing, LocalSchedule, RecordedRequest } from './types.js';

/** Options of {@link startLocalScheduler}. */
export interface LocalSchedulerOptions {
  readonly sqs: SQSClient;
  /** The queue URL of a target ARN (the local stack maps queue names to URLs). */
  readonly resolveQueueUrl: (arn: string) => string | undefined | Promise<string | undefined>;
  readonly region?: string;
  /** Clock in epoch ms (tests move it). @default Date.now */
  readonly now?: () => number;
  /** How often due schedules are checked. @default 200 ms */
  readonly tickMs?: number;
  /**
   * Backoff between delivery retries of one firing: `base × 2^(n-1)`, capped, with jitter
   * (half to all of it), in the clock's time. AWS does not publish its own; these are shorter
   * so local runs finish. @default { baseMs: 1000, capMs: 60000 }
   */
  readonly retryBackoff?: { readonly baseMs: number; readonly capMs: number };
  /** Uniform in [0, 1), for jitter and random choices. @default Math.random */
  readonly random?: () => number;
}

/** A running local Scheduler. */
export interface LocalScheduler {
  readonly endpoint: string;
  readonly schedules: ReadonlyMap<string, LocalSchedule>;
  readonly requests: readonly RecordedRequest[];
  readonly firings: readonly Firing[];
  /** Firings it gave up on (dead-lettered or dropped). */
  readonly deadLetters: readonly DeadLetter[];
  /** Check due schedules now (tests with an injected clock call it after moving time). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

const key = (group: string, name: string) => `${group}/${name}`;

/**
 * A small EventBridge Scheduler on loopback that speaks the real REST-JSON wire protocol for
 * CreateSchedule, GetSchedule, UpdateSchedule, DeleteSchedule and ListSchedules (so the real
 * `SchedulerClient` talks to it), and fires what it holds: `at()` schedules once at their time
 * (then deletes them when ActionAfterCompletion is DELETE), `cron()` and `rate()` ones on every
 * occurrence, by SendMessage of the target Input to the target queue, with the
 * `<aws.scheduler.*>` context attributes substituted. It validates requests as Scheduler does
 * (see {@link scheduleProblem}: name and ClientToken patterns, an `at()` in the past, the
 * Input's size…), retries a failed delivery with backoff within the target's RetryPolicy
 * (MaximumRetryAttempts, MaximumEventAgeInSeconds), and then, or at once for a non-retryable
 * error such as a missing queue, sends the dead-letter event to the target's DLQ.
 *
 * @example
 * ```ts
 * const scheduler = await startLocalScheduler({ sqs, resolveQueueUrl });
 * new SchedulerClient({ endpoint: scheduler.endpoint });
 * ```
 */
export async function startLocalScheduler(options: LocalSchedulerOptions): Promise<LocalScheduler> {
  const region = options.region ?? 'us-east-1';
  const now = options.now ?? Date.now;
  const schedules = new Map<string, LocalSchedule>();
  const requests: RecordedRequest[] = [];
  const firings: Firing[] = [];
  const deadLetters: DeadLetter[] = [];
  const random = options.random ?? Math.random;
  const backoff = options.retryBackoff ?? { baseMs: 1_000, capMs: 60_000 };
  const delivery = { sqs: options.sqs, resolveQueueUrl: options.resolveQueueUrl, now };

  const server = createServer((req, res) => {
    void handle(req, res).catch((err) => send(res, 500, { Message: String(err) }, 'InternalServerException'));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const query = Object.fromEntries(url.searchParams);
    const match = /^\/schedules(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match)
      return send(
        res,
        404,
        { Message: `no route ${req.method} ${url.pathname}` },
        'ResourceNotFoundException',
      );
    const name = match[1] ? decodeURIComponent(match[1]) : undefined;
    const text = await readBody(req);
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    if (!name && req.method === 'GET') {
      requests.push({ operation: 'ListSchedules', query });
      const group = query.ScheduleGroup;
      const list = [...schedules.values()].filter(
        (s) =>
          (!group || s.GroupName === group) &&
          (!query.NamePrefix || s.Name.startsWith(query.NamePrefix)) &&
          (!query.State || s.State === query.State),
      );
      return send(res, 200, {
        Schedules: list.map((s) => ({
          Arn: s.Arn,
          Name: s.Name,
          GroupName: s.GroupName,
          State: s.State,
          CreationDate: s.CreationDate,
          LastModificationDate: s.LastModificationDate,
          Target: { Arn: s.Target.Arn },
        })),
      });
    }
    if (!name) return send(res, 404, { Message: 'not found' }, 'ResourceNotFoundException');
    const group = (body?.GroupName as string | undefined) ?? query.groupName ?? 'default';
    const k = key(group, name);
    switch (req.method) {
      case 'POST':
      case 'PUT': {
        const operation = req.method === 'POST' ? 'CreateSchedule' : 'UpdateSchedule';
        requests.push({ operation, name, ...(body ? { body } : {}), query });
        if (req.method === 'POST' && schedules.has(k)) {
          return send(res, 409, { Message: `Schedule ${name} already exists.` }, 'ConflictException');
        }
        if (req.method === 'PUT' && !schedules.has(k)) {
          return send(res, 404, { Message: `Schedule ${name} does not exist.` }, 'ResourceNotFoundException');
        }
        const b = body ?? {};
        const problem = scheduleProblem(name, { GroupName: group, ...b }, now());
        if (problem) return send(res, 400, { Message: problem }, 'ValidationException');
        const t = now();
        const created = schedules.get(k)?.CreationDate ?? t / 1000;
        const schedule: LocalSchedule = {
          Name: name,
          GroupName: group,
          Arn: `arn:aws:scheduler:${region}:000000000000:schedule/${group}/${name}`,
          ScheduleExpression: b.ScheduleExpression as string,
          ...(typeof b.ScheduleExpressionTimezone === 'string'
            ? { ScheduleExpressionTimezone: b.ScheduleExpressionTimezone }
            : {}),
          State: b.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
          ...(b.ActionAfterCompletion
            ? { ActionAfterCompletion: b.ActionAfterCompletion as 'DELETE' | 'NONE' }
            : {}),
          FlexibleTimeWindow: b.FlexibleTimeWindow as LocalSchedule['FlexibleTimeWindow'],
          Target: b.Target as LocalSchedule['Target'],
          ...(typeof b.Description === 'string' ? { Description: b.Description } : {}),
          CreationDate: created,
          LastModificationDate: t / 1000,
          nextAt: undefined,
          failures: 0,
          retryAt: undefined,
        };
        try {
          schedule.nextAt = firstFiring(schedule, t);
        } catch (err) {
          return send(res, 400, { Message: String(err) }, 'ValidationException');
        }
        schedules.set(k, schedule);
        return send(res, 200, { ScheduleArn: schedule.Arn });
      }
      case 'GET': {
        requests.push({ operation: 'GetSchedule', name, query });
        const s = schedules.get(k);
        if (!s)
          return send(res, 404, { Message: `Schedule ${name} does not exist.` }, 'ResourceNotFoundException');
        const { nextAt: _n, failures: _f, retryAt: _r, ...wire } = s;
        return send(res, 200, wire);
      }
      case 'DELETE': {
        requests.push({ operation: 'DeleteSchedule', name, query });
        if (!schedules.delete(k)) {
          return send(res, 404, { Message: `Schedule ${name} does not exist.` }, 'ResourceNotFoundException');
        }
        return send(res, 200, {});
      }
      default:
        return send(res, 405, { Message: 'method not allowed' }, 'ValidationException');
    }
  }

  function firstFiring(s: LocalSchedule, t: number): number | undefined {
    if (s.ScheduleExpression.startsWith('at(')) {
      // Validation refused an at() in the past; one a moment ago (request in flight) fires at once.
      return nextFiring(s.ScheduleExpression, s.ScheduleExpressionTimezone, Number.NEGATIVE_INFINITY, t);
    }
    return nextFiring(s.ScheduleExpression, s.ScheduleExpressionTimezone, t, t);
  }

  let ticking: Promise<void> | undefined;
  async function tick(): Promise<void> {
    ticking ??= (async () => {
      const t = now();
      for (const [k, s] of [...schedules]) {
        if (s.State !== 'ENABLED' || s.nextAt === undefined || s.nextAt > t) continue;
        if (s.retryAt !== undefined && s.retryAt > t) continue;
        const scheduledTime = `${new Date(s.nextAt).toISOString().slice(0, 19)}Z`;
        const outcome = await deliver(delivery, s, scheduledTime);
        if (outcome.ok) firings.push(outcome.firing);
        if (outcome.ok) {
          advance(k, s);
          continue;
        }
        s.failures++;
        const decision = retryDecision(s, outcome.retryable, t, backoff, random);
        if ('retryAt' in decision) {
          s.retryAt = decision.retryAt;
          continue;
        }
        deadLetters.push(await sendDeadLetter(delivery, s, scheduledTime, outcome, decision.condition));
        advance(k, s);
      }
    })().finally(() => {
      ticking = undefined;
    });
    return ticking;
  }

  /** The firing is over (delivered or given up): on to the next, or delete a finished schedule. */
  function advance(k: string, s: LocalSchedule): void {
    s.failures = 0;
    s.retryAt = undefined;
    const next = s.ScheduleExpression.startsWith('at(')
      ? undefined
      : nextFiring(s.ScheduleExpression, s.ScheduleExpressionTimezone, s.nextAt!, s.CreationDate * 1000);
    s.nextAt = next;
    if (next === undefined && s.ActionAfterCompletion === 'DELETE') schedules.delete(k);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const timer = setInterval(() => void tick().catch(() => undefined), options.tickMs ?? 200);
  timer.unref();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    schedules,
    requests,
    firings,
    deadLetters,
    tick,
    stop: async () => {
      clearInterval(timer);
      await ticking;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      data += chunk;
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(JSON.stringify(body));
}
