/**
 * `npm run soak [-- --tasks N]`: N tasks (default 20,000) of mixed shapes (single, run-once,
 * retried, 3-step chains, 5-member chords) through the local stack, with random worker kills
 * and fault bursts (throttles, 5xx, refused and dropped connections) through the fault proxy.
 * Prints tasks lost, bodies run twice by cause and end-to-end latency; exits 1 on any loss,
 * wrong result or overwritten SUCCESS.
 * Not part of the test command.
 */
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { EventSourceMapping, InvocationInfo } from '../../infra/local/event-source.js';
import type { FaultProxyOptions } from '../../infra/local/fault-proxy.js';
import { startLocalStack } from '../../infra/local/stack.js';
import {
  CeleriacClient,
  chain,
  chord,
  createLogger,
  createWorker,
  type Json,
} from '../../runtime/internal.js';
import { bumpy, charge, double, environmentSignal, inc, log, member, registry, total } from './tasks.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const { values: argv } = parseArgs({
  options: {
    tasks: { type: 'string', default: '20000' },
    /** Tasks enqueued per second. */
    rate: { type: 'string', default: '150' },
    /** Mean seconds between worker kills. */
    'kill-every': { type: 'string', default: '5' },
    /** Mean seconds between fault bursts. */
    'burst-every': { type: 'string', default: '8' },
    /** Seconds without progress after which what is not final counts as lost. */
    stall: { type: 'string', default: '180' },
  },
});
const N = Number(argv.tasks);
const RATE = Number(argv.rate);
const KILL_EVERY_S = Number(argv['kill-every']);
const BURST_EVERY_S = Number(argv['burst-every']);
const STALL_S = Number(argv.stall);

type Shape = 'single' | 'run-once' | 'retried' | 'chain' | 'chord';
interface Unit {
  readonly shape: Shape;
  /** The id whose SUCCESS ends the unit (a chain's last step, a chord's body). */
  finalId?: string;
  readonly expected: Json;
  readonly tasks: number;
  readonly enqueuedAt: number;
  doneAt?: number;
  outcome?: 'done' | 'wrong' | 'failed';
  /** Its final record's history has a SUCCESS that is not its last event, or two of them. */
  overwritten?: boolean;
}

type Cause = 'killed' | 'timed out' | 'handed back';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const envelopeId = (body: string): string | undefined => {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
};

/** Bursts the proxy runs, one at a time, for 1–3 s each. */
const BURSTS: readonly NonNullable<FaultProxyOptions['targetRates']>[] = [
  { dynamodb: { throttle: 0.3 } },
  { dynamodb: { serverError: 0.2 } },
  { dynamodb: { refuse: 0.3 } },
  { dynamodb: { drop: 0.05 } },
  { sqs: { throttle: 0.3 } },
  { sqs: { serverError: 0.2 } },
  { sqs: { refuse: 0.2 } },
  { dynamodb: { throttle: 0.2 }, sqs: { throttle: 0.2 } },
];

async function main(): Promise<number> {
  const started = Date.now();
  const stack = await startLocalStack({
    registry,
    plan: { prefix: `soak${started % 100_000}` },
    faults: { rates: {} },
  });
  const proxy = stack.faults!;
  // Producers of workflows and the soak's own reads bypass the proxy; single tasks go through it.
  const direct = new CeleriacClient({ config: stack.config, sqs: stack.sqs, dynamodb: stack.dynamodb });
  const quiet = createLogger({}, () => undefined);

  const causes = new Map<string, Set<Cause>>();
  const mark = (id: string | undefined, cause: Cause) => {
    if (id) causes.set(id, (causes.get(id) ?? new Set()).add(cause));
  };
  const batches = new Map<string, (string | undefined)[]>();
  /** Distinct messages seen per task id: more than one means the task was sent twice. */
  const messages = new Map<string, Set<string>>();
  const outcomes: Record<string, number> = {};
  const mappings: EventSourceMapping[] = stack.startWorkers({
    waitTimeSeconds: 1,
    createHandler: (environment) => {
      const own = new CeleriacClient({ config: stack.config });
      for (const sdk of [own.sqs, own.dynamodb, own.scheduler]) environment.fence(sdk);
      const worker = createWorker(registry, { client: own, logger: quiet });
      return async (event, context) => {
        const ids = new Map(event.Records.map((r) => [r.messageId, envelopeId(r.body)]));
        batches.set(environment.id, [...ids.values()]);
        for (const [messageId, id] of ids)
          if (id) messages.set(id, (messages.get(id) ?? new Set()).add(messageId));
        const out = await environmentSignal.run(environment.signal, () => worker(event, context));
        for (const f of out.batchItemFailures) mark(ids.get(f.itemIdentifier), 'handed back');
        return out;
      };
    },
    onInvoke: (info: InvocationInfo) => {
      outcomes[info.outcome] = (outcomes[info.outcome] ?? 0) + 1;
      if (info.outcome === 'killed' || info.outcome === 'timeout')
        for (const id of batches.get(info.environment) ?? [])
          mark(id, info.outcome === 'killed' ? 'killed' : 'timed out');
    },
  });

  // Chaos: kills and bursts until production ends.
  let producing = true;
  let kills = 0;
  const bursts: string[] = [];
  const chaos = Promise.all([
    (async () => {
      while (producing) {
        await sleep(KILL_EVERY_S * 1000 * (0.5 + Math.random()));
        if (producing) kills += mappings.reduce((n, m) => n + m.kill('soak kill'), 0);
      }
    })(),
    (async () => {
      while (producing) {
        await sleep(BURST_EVERY_S * 1000 * (0.5 + Math.random()));
        if (!producing) break;
        const burst = BURSTS[Math.floor(Math.random() * BURSTS.length)]!;
        bursts.push(JSON.stringify(burst));
        proxy.setRates({}, burst);
        await sleep(1000 + Math.random() * 2000);
        proxy.setRates({});
      }
    })(),
  ]);

  // Production at RATE tasks/s.
  const units: Unit[] = [];
  let notAccepted = 0;
  let inFlight = 0;
  const enqueues: Promise<void>[] = [];
  const enqueueUnit = async (n: number): Promise<void> => {
    const r = Math.random();
    const enqueuedAt = Date.now();
    if (r < 0.5 || r >= 0.97) {
      const id = `s-${started}-${n}`;
      const shape: Shape = r < 0.5 ? 'single' : 'retried';
      const unit: Unit = { shape, expected: shape === 'single' ? n * 2 : n, tasks: 1, enqueuedAt };
      units.push(unit);
      // As a producer would: a failed enqueue is tried again under the same id.
      for (let attempt = 1; ; attempt++) {
        try {
          await (shape === 'single' ? double : bumpy).enqueue({ n }, { client: stack.client, id });
          unit.finalId = id;
          return;
        } catch (err) {
          if (attempt === 10) {
            notAccepted++;
            console.error('enqueue not accepted:', String(err));
            units.splice(units.indexOf(unit), 1);
            return;
          }
        }
      }
    }
    if (r < 0.62) {
      const id = `o-${started}-${n}`;
      units.push({ shape: 'run-once', finalId: id, expected: { charged: n }, tasks: 1, enqueuedAt });
      await charge.enqueue({ n }, { client: direct, id });
      return;
    }
    if (r < 0.85) {
      const h = await chain(double.si({ n }), inc.s(), inc.s()).apply({ client: direct });
      units.push({ shape: 'chain', finalId: finalIdOf(h.ref), expected: n * 2 + 2, tasks: 3, enqueuedAt });
      return;
    }
    const members = Array.from({ length: 5 }, (_, i) => member.si({ n: n + i }));
    const h = await chord(members, total.s()).apply({ client: direct });
    units.push({ shape: 'chord', finalId: finalIdOf(h.ref), expected: 5 * n + 10, tasks: 6, enqueuedAt });
  };
  const tasksOf = () => units.reduce((s, u) => s + u.tasks, 0);
  for (let n = 0; tasksOf() < N; n++) {
    while (tasksOf() > RATE * ((Date.now() - started) / 1000) || inFlight >= 32) await sleep(10);
    inFlight++;
    enqueues.push(
      enqueueUnit(n)
        .catch((err: unknown) => {
          notAccepted++;
          console.error('enqueue failed:', String(err));
        })
        .finally(() => {
          inFlight--;
        }),
    );
    if (n % 1000 === 0) progress(`produced ${tasksOf()} tasks`);
  }
  await Promise.all(enqueues);
  const producedAt = Date.now();
  producing = false;
  await chaos;
  proxy.setRates({});
  progress(
    `production done: ${tasksOf()} tasks in ${units.length} units, ${kills} kills, ${bursts.length} bursts`,
  );

  // Wait for every unit's final record, until no progress for STALL_S.
  let lastProgress = Date.now();
  const pending = () => units.filter((u) => !u.outcome);
  while (pending().length && Date.now() - lastProgress < STALL_S * 1000) {
    const candidates = pending().filter((u) => u.finalId && log.returned.has(u.finalId));
    let settled = 0;
    for (let i = 0; i < candidates.length; i += 32) {
      await Promise.all(
        candidates.slice(i, i + 32).map(async (u) => {
          const rec = await direct.results.get(u.finalId!);
          if (!rec || !['SUCCESS', 'FAILURE', 'REVOKED'].includes(rec.state)) return;
          settled++;
          u.doneAt = rec.finishedAt ?? rec.updatedAt;
          const successes = rec.history.filter((e) => e.state === 'SUCCESS').length;
          u.overwritten = successes > 1 || (successes === 1 && rec.history.at(-1)?.state !== 'SUCCESS');
          u.outcome =
            rec.state !== 'SUCCESS' ? 'failed' : isDeepStrictEqual(rec.result, u.expected) ? 'done' : 'wrong';
        }),
      );
    }
    if (settled) lastProgress = Date.now();
    else await sleep(1000);
    progress(`${units.length - pending().length}/${units.length} units final`);
  }
  // A last look at every unit still pending (its final body may never have returned).
  for (const u of pending()) {
    const rec = u.finalId ? await direct.results.get(u.finalId) : undefined;
    if (rec && ['SUCCESS', 'FAILURE', 'REVOKED'].includes(rec.state)) {
      u.doneAt = rec.finishedAt ?? rec.updatedAt;
      u.outcome = rec.state === 'SUCCESS' ? 'done' : 'failed';
    }
  }
  const queueLeft = await direct.sqs
    .send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.config.queues.default!.url,
        AttributeNames: ['All'],
      }),
    )
    .then((o) => o.Attributes ?? {});
  const finishedAt = Date.now();
  await Promise.all(mappings.map((m) => m.stop()));

  // Report.
  const lost = pending();
  const lostTasks = lost.reduce((s, u) => s + u.tasks, 0);
  const byShape = (list: readonly Unit[]) =>
    Object.fromEntries(
      (['single', 'run-once', 'retried', 'chain', 'chord'] as const).map((s) => [
        s,
        list.filter((u) => u.shape === s).length,
      ]),
    );
  const twice = [...log.returned.entries()].filter(([, count]) => count > 1);
  const causeOf = (id: string): string => {
    const c = causes.get(id);
    if (c?.has('killed')) return 'worker killed while its message was in the batch';
    if (c?.has('timed out')) return 'invocation timed out';
    if (c?.has('handed back')) return 'handed back (a write or send failed after the body ran)';
    if ((messages.get(id)?.size ?? 0) > 1) return 'sent twice (by a step or member that ran twice)';
    return 'other';
  };
  const tally = (list: readonly (readonly [string, number])[]) => {
    const out: Record<string, number> = {};
    for (const [id] of list) out[causeOf(id)] = (out[causeOf(id)] ?? 0) + 1;
    return out;
  };
  const twiceByCause = tally(twice);
  const runOnceTwice = tally(twice.filter(([id]) => id.startsWith('o-')));
  const latencies = units
    .filter((u) => u.doneAt !== undefined)
    .map((u) => u.doneAt! - u.enqueuedAt)
    .sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  const t = proxy.stats.targets;
  const faults = (k: 'throttle' | 'serverError' | 'refuse' | 'drop') =>
    t.sqs[k] + t.dynamodb[k] + t.scheduler[k];
  const report = {
    tasks: tasksOf(),
    units: units.length,
    unitsByShape: byShape(units),
    notAcceptedAtEnqueue: notAccepted,
    tasksLost: lostTasks,
    unitsLost: byShape(lost),
    wrongResults: units.filter((u) => u.outcome === 'wrong').length,
    successOverwritten: units.filter((u) => u.overwritten).length,
    failedFinal: byShape(units.filter((u) => u.outcome === 'failed')),
    bodiesReturned: [...log.returned.values()].reduce((a, b) => a + b, 0),
    bodiesRunTwice: twice.length,
    bodiesRunTwiceByCause: twiceByCause,
    runOnceBodiesRunTwiceByCause: runOnceTwice,
    workerKills: { kills, invocations: outcomes },
    faultBursts: bursts.length,
    faultsInjected: {
      throttle: faults('throttle'),
      serverError: faults('serverError'),
      refuse: faults('refuse'),
      drop: faults('drop'),
    },
    latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: latencies.at(-1) ?? 0 },
    seconds: {
      production: Math.round((producedAt - started) / 1000),
      total: Math.round((finishedAt - started) / 1000),
    },
    queueAtEnd: {
      visible: Number(queueLeft.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(queueLeft.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(queueLeft.ApproximateNumberOfMessagesDelayed ?? 0),
    },
  };
  console.log(JSON.stringify(report, null, 2));
  if (lost.length) console.log('lost units (first 10):', lost.slice(0, 10));
  await stack.stop();
  return lostTasks > 0 || report.wrongResults > 0 || report.successOverwritten > 0 ? 1 : 0;
}

function finalIdOf(ref: { kind: string; id?: string }): string {
  if (ref.kind !== 'task' || !ref.id) throw new Error(`unexpected result ref ${JSON.stringify(ref)}`);
  return ref.id;
}

let lastPrint = 0;
function progress(line: string): void {
  if (Date.now() - lastPrint < 5_000) return;
  lastPrint = Date.now();
  console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
