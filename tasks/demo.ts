import { pathToFileURL } from 'node:url';
import { CeleriacClient, chain, chord, type TaskHandle, TaskState } from 'celeriac';
import {
  add,
  countPrimes,
  doomed,
  fetchPage,
  flaky,
  mul,
  pollUntilReady,
  rejectOrder,
  sendWelcome,
  sleepy,
  xsum,
} from './examples.js';

/** One line of the demo's report. */
export interface DemoOutcome {
  readonly task: string;
  readonly id: string;
  readonly state: string;
  readonly attempts: number;
  readonly detail: string;
}

/**
 * Enqueue one run of each example task and wait for every outcome: successes, a retry that
 * succeeds, failures that end in the DLQ, a time limit, a schema rejection at enqueue.
 *
 * @example
 * ```ts
 * const outcomes = await runDemo(client);
 * ```
 */
export async function runDemo(
  client: CeleriacClient,
  print: (line: string) => void = console.log,
): Promise<DemoOutcome[]> {
  print('demo: enqueueing one run of each example task…');
  const handles: TaskHandle<unknown>[] = await Promise.all([
    fetchPage.enqueue({ url: 'https://example.com/', latencyMs: 80 }, { client }),
    countPrimes.enqueue({ limit: 200_000 }, { client }),
    flaky.enqueue({ failTimes: 2 }, { client }),
    pollUntilReady.enqueue({ readyOnAttempt: 2 }, { client }),
    sendWelcome.enqueue({ email: 'ada@example.com', name: 'Ada' }, { client }),
    doomed.enqueue({ reason: 'demonstrating the DLQ' }, { client }),
    rejectOrder.enqueue({ orderId: 'o-42' }, { client }),
    sleepy.enqueue({ ms: 5_000 }, { client }),
  ]);
  // Canvas: a chain into a chord — (1+1), then in parallel 2+2, 3×3, 4+4, joined by xsum.
  const workflow = await chain(
    add.si({ x: 1, y: 1 }),
    chord([add.si({ x: 2, y: 2 }), mul.si({ x: 3, y: 3 }), add.si({ x: 4, y: 4 })], xsum.s()),
  ).apply({ client });
  const rejected = await sendWelcome
    .enqueue({ email: 'not-an-email', name: 'Bob' }, { client })
    .catch((e: Error) => e);
  print(`demo: sendWelcome with a bad email was refused at enqueue: ${(rejected as Error).message}`);
  const outcomes: DemoOutcome[] = [];
  await Promise.all(
    handles.map(async (handle) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const rec = await handle.get();
        const done = rec && (rec.state === TaskState.SUCCESS || rec.state === TaskState.FAILURE);
        if (done || Date.now() > deadline) {
          outcomes.push({
            task: handle.taskName,
            id: handle.id,
            state: rec?.state ?? TaskState.PENDING,
            attempts: rec?.attempts ?? 0,
            detail:
              rec?.state === TaskState.SUCCESS
                ? JSON.stringify(rec.result).slice(0, 60)
                : rec?.error
                  ? `${rec.error.type}: ${rec.error.message}`.slice(0, 60)
                  : 'still running',
          });
          return;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }),
  );
  outcomes.sort((a, b) => a.task.localeCompare(b.task));
  const total = await workflow.result({ timeout: '60s' }).catch((e: Error) => `failed: ${e.message}`);
  print(
    `demo: chain(add, chord([add, mul, add], xsum)) = ${JSON.stringify(total)} (workflow ${workflow.rootId})`,
  );
  print('');
  print(`${'task'.padEnd(28)} ${'state'.padEnd(8)} ${'tries'.padEnd(5)} detail`);
  for (const o of outcomes)
    print(`${o.task.padEnd(28)} ${o.state.padEnd(8)} ${String(o.attempts).padEnd(5)} ${o.detail}`);
  print('');
  print('FAILURE rows are expected: their messages now sit in the DLQ, replayable.');
  return outcomes;
}

// Run as a script (`celeriac dev --run tasks/demo.ts`, or `npm run demo` against a running stack):
// the client reads CELERIAC_CONFIG_FILE, which `celeriac dev` sets to its .celeriac/local.json.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.CELERIAC_CONFIG_FILE ??= '.celeriac/local.json';
  runDemo(new CeleriacClient()).then(
    () => process.exit(0),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
