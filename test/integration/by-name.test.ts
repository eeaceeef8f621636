import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import {
  CeleriacClient,
  CeleriacError,
  chain,
  enqueueByName,
  TaskHandle,
  taskRef,
} from '../../runtime/index.js';
import { bundle, ROOT, tempDir } from '../bench/bundle.js';
// Types only: the producer side of these tests never loads the tasks' code.
import type { resize, thumbnail } from './fixtures/by-name-tasks.js';
import { registry } from './fixtures/by-name-tasks.js';
import { localStack, waitForState } from './harness.js';

// The worker side runs the registry; the producer side is a client built from the config alone.
let stack: LocalStack;
let producer: CeleriacClient;
const MARKER = 'celeriac-handler-marker';

beforeAll(async () => {
  stack = await localStack(registry);
  stack.startWorkers({ waitTimeSeconds: 1 });
  producer = new CeleriacClient({ config: stack.config });
});
afterAll(() => stack?.stop());

describe('enqueue by name on the local stack', () => {
  it("the config carries the plan's routes: queue, and tags when the task declares some", () => {
    expect(stack.config.routes).toEqual({
      'images.resize': { queue: 'high', tags: ['images'] },
      'images.thumbnail': 'default',
    });
  });

  it('enqueueByName<typeof task>(name, args) runs the task on its queue and returns the typed result', async () => {
    const handle = await enqueueByName<typeof resize>(
      'images.resize',
      { key: 'a.png', width: 320 },
      { client: producer },
    );
    const out = await handle.result({ timeout: '20s' });
    expect(out).toEqual({ key: 'a.png@320', width: 320, by: `${MARKER}:resize-7f3a` });
    const record = await waitForState(stack, handle.id, ['SUCCESS']);
    expect(record).toMatchObject({ task: 'images.resize', queue: 'high', tags: ['images'] });
  });

  it('enqueueByName adds per-run tags to the declared ones and honours an explicit queue', async () => {
    const handle = await enqueueByName<typeof resize>(
      'images.resize',
      { key: 'b.png', width: 64 },
      { client: producer, queue: 'default', tags: ['tenant:7'] },
    );
    expect((await handle.result({ timeout: '20s' })).key).toBe('b.png@64');
    const record = await waitForState(stack, handle.id, ['SUCCESS']);
    expect(record.queue).toBe('default');
    expect([...record.tags].sort()).toEqual(['images', 'tenant:7']);
  });

  it('taskRef signatures chain by name: resize, then thumbnail of its result', async () => {
    const resizeRef = taskRef<typeof resize>('images.resize', { client: producer });
    const thumbRef = taskRef<typeof thumbnail>('images.thumbnail', { client: producer });
    const handle = await chain(resizeRef.si({ key: 'c.png', width: 10 }), thumbRef.s()).apply({
      client: producer,
    });
    expect(await handle.result({ timeout: '20s' })).toEqual({
      thumb: 'c.png@10:thumb',
      by: `${MARKER}:thumbnail-7f3a`,
    });
    const direct = await resizeRef.enqueue({ key: 'd.png', width: 5 });
    expect(await direct.result({ timeout: '20s' })).toMatchObject({ key: 'd.png@5' });
  });

  it('arguments the schema rejects fail in the worker with INVALID_ARGS (no schema in the producer)', async () => {
    const handle = await enqueueByName<typeof resize>(
      'images.resize',
      { key: 'e.png', width: -1 },
      { client: producer },
    );
    const err = await handle.result({ timeout: '20s' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CeleriacError);
    expect((err as CeleriacError).code).toBe('TASK_FAILED');
    const record = await waitForState(stack, handle.id, ['FAILURE']);
    expect(record.error?.type).toBe('CeleriacError');
    expect(record.error?.message).toMatch(/arguments are invalid/);
  });
});

describe('a producer Lambda bundled with esbuild', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    delete process.env.CELERIAC_CONFIG;
  });

  it('by name: carries no handler code, and enqueues through the bundled runtime', async () => {
    const out = join(dir, 'producer-by-name.mjs');
    await bundle(join(ROOT, 'test/bench/fixtures/producer-by-name.ts'), out);
    expect(readFileSync(out, 'utf8')).not.toContain(MARKER);
    process.env.CELERIAC_CONFIG = JSON.stringify(stack.config);
    const { handler } = (await import(pathToFileURL(out).href)) as {
      handler: (e: { key: string; width: number }) => Promise<{ id: string }>;
    };
    const { id } = await handler({ key: 'f.png', width: 8 });
    const handle = new TaskHandle<{ key: string }>(id, 'images.resize', stack.client);
    expect(await handle.result({ timeout: '20s' })).toMatchObject({ key: 'f.png@8' });
  });

  it('with the task object imported as a value, the handler code is there (the check can see it)', async () => {
    const out = join(dir, 'producer-by-task.mjs');
    await bundle(join(ROOT, 'test/bench/fixtures/producer-by-task.ts'), out);
    expect(readFileSync(out, 'utf8')).toContain(MARKER);
  });
});
