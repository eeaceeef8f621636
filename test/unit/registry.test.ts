import { describe, expect, it } from 'vitest';
import { planOf } from '../../runtime/plan.js';
import { createRegistry } from '../../runtime/registry.js';
import { task } from '../../runtime/task.js';

const noop = () => null;

describe('task definition errors name the value and what is allowed', () => {
  it.each([
    ['bad name', () => task('1bad', {}, noop), /task name: got "1bad"/],
    [
      'bad timeout',
      () => task('a', { timeout: '20m' }, noop),
      /timeout: got "20m"; allowed: from 1ms to 15m/,
    ],
    ['bad unit', () => task('a', { timeout: '5 mins' as never }, noop), /INVALID_DURATION|allowed/],
    [
      'bad result mode',
      () => task('a', { result: 'sometimes' as never }, noop),
      /result: got "sometimes"; allowed: always \| errors \| never/,
    ],
    ['short ttl', () => task('a', { resultTtl: '10s' }, noop), /resultTtl.*at least 1m/],
    ['bad tag', () => task('a', { tags: ['has space'] }, noop), /tag: got "has space"/],
    ['bad schema', () => task('a', { schema: {} as never }, noop), /Standard Schema/],
  ])('%s', (_name, make, message) => {
    expect(make).toThrow(message);
  });
});

describe('createRegistry', () => {
  const a = task('a', {}, noop);
  it('rejects duplicate task names', () => {
    expect(() => createRegistry({ tasks: [a, task('a', {}, noop)] })).toThrow(/"a" is registered twice/);
  });
  it('rejects a task on an unknown queue, listing the defined ones', () => {
    expect(() => createRegistry({ tasks: [task('b', { queue: 'urgent' }, noop)] })).toThrow(
      /queue "urgent", which is not defined; defined: default/,
    );
  });
  it('rejects a task whose time limit exceeds its queue worker timeout', () => {
    expect(() =>
      createRegistry({
        queues: { default: { timeout: '30s' } },
        tasks: [task('c', { timeout: '1m' }, noop)],
      }),
    ).toThrow(/timeout \(ms\): got 60000; allowed: at most its queue "default" worker timeout \(30 s\)/);
  });
  it.each([
    [
      { batchSize: 0 },
      'queue "default" batchSize = 0: must be an integer from 1 to 10000 (SQS event source batch size)',
    ],
    [
      { batchSize: 100 },
      'queue "default" batchSize = 100: above 10 needs batchingWindowSeconds ≥ 1 (it is 0)',
    ],
    [{ batchingWindow: '6m' }, 'queue "default" batchingWindow (s) = 360: must be an integer from 0 to 300'],
    [{ maxConcurrency: 1 }, 'queue "default" maxConcurrency = 1: must be an integer from 2 to 1000'],
    [
      { maxConcurrency: 10, reservedConcurrency: 5 },
      'queue "default" reservedConcurrency = 5: must be at least maxConcurrency (10)',
    ],
    [{ timeout: '16m' }, 'queue "default" timeout (s) = 960: must be an integer from 1 to 900'],
    [{ memoryMb: 64 }, 'queue "default" memoryMb = 64: must be an integer from 128 to 10240 (Lambda memory)'],
    [{ retention: '30s' }, 'queue "default" retention (s) = 30: must be an integer from 60 to 1209600'],
  ])('rejects queue settings %j', (settings, message) => {
    expect(() => createRegistry({ queues: { default: settings as never }, tasks: [] })).toThrow(message);
  });
  it('rejects a maxReceiveCount that would dead-letter before retries end', () => {
    expect(() =>
      createRegistry({
        queues: { default: { maxReceiveCount: 3 } },
        tasks: [task('r', { retry: { maxAttempts: 3 } }, noop)],
      }),
    ).toThrow(/maxReceiveCount: got 3; allowed: more than the largest maxAttempts of its tasks \(3\)/);
  });
});

describe('plan', () => {
  it('derives visibility, redrive and names from the settings', () => {
    const registry = createRegistry({
      app: 'shop',
      queues: { high: { timeout: '1m', batchingWindow: '5s' }, default: {} },
      tasks: [task('h', { queue: 'high', retry: { maxAttempts: 8 } }, noop), task('d', {}, noop)],
    });
    const plan = planOf(registry);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    const high = plan.queues.find((q) => q.name === 'high')!;
    expect(high).toMatchObject({
      queueName: 'shop-high',
      dlqName: 'shop-high-dlq',
      visibilityTimeoutSeconds: 6 * 60 + 5,
      maxReceiveCount: 10,
      maxMessageBytes: 1_048_576,
      tasks: ['h'],
    });
    expect(high.dlqRetentionSeconds).toBeGreaterThan(high.retentionSeconds);
    expect(plan.queues.find((q) => q.name === 'default')!.maxReceiveCount).toBe(5);
    expect(plan.table.tableName).toBe('shop-results');
    expect(plan.table.indexes.map((i) => i.name)).toEqual(['byTask', 'byState', 'byRoot']);
    expect(planOf(registry, { prefix: 'dev' }).queues[0]!.queueName).toBe('dev-high');
  });
});
