import { Duration, Lazy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { TaskRuntimeValidationError } from '../../infra/cdk/errors.js';
import { validateRuntime } from '../../infra/cdk/validate.js';
import type { QueuePlan, ResourcePlan } from '../../runtime/plan.js';
import { planOf } from '../../runtime/plan.js';
import { createRegistry } from '../../runtime/registry.js';
import { task } from '../../runtime/task.js';
import { buildStack, plan, planWith } from './fixtures.js';

/** Synthesizing with this plan must fail with a message matching every pattern. */
function expectSynthFails(bad: ResourcePlan, ...patterns: (string | RegExp)[]): TaskRuntimeValidationError {
  let caught: unknown;
  try {
    buildStack({ plan: bad });
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(TaskRuntimeValidationError);
  const error = caught as TaskRuntimeValidationError;
  for (const p of patterns) {
    if (typeof p === 'string') expect(error.message).toContain(p);
    else expect(error.message).toMatch(p);
  }
  return error;
}

/** The default queue, with its visibility kept valid for a changed timeout or window. */
function defaultWith(change: Partial<QueuePlan>): ResourcePlan {
  const q = plan.queues.find((x) => x.name === 'default')!;
  const timeout = change.workerTimeoutSeconds ?? q.workerTimeoutSeconds;
  const window = change.batchingWindowSeconds ?? q.batchingWindowSeconds;
  return planWith('default', { visibilityTimeoutSeconds: 6 * timeout + window, ...change });
}

describe('synth-time validation', () => {
  it('the application plan is valid', () => {
    expect(validateRuntime(plan)).toEqual([]);
    expect(() => buildStack()).not.toThrow();
  });

  it('a runtime with neither a worker entry nor prebuilt worker code fails synth, naming workerEntry', () => {
    // No default points into the package: the app names its own worker entry.
    expect(() => buildStack({ workerCode: undefined })).toThrow(
      /workerEntry = undefined: set the worker entry module of your app/,
    );
  });

  it('a worker timeout over 900 s fails synth', () => {
    expectSynthFails(
      defaultWith({ workerTimeoutSeconds: 901 }),
      'queue "default" workerTimeoutSeconds = 901',
      "must be an integer from 1 to 900 (Lambda's maximum function timeout)",
    );
  });

  it('a visibility timeout shorter than 6 × timeout + batching window fails synth', () => {
    expectSynthFails(
      planWith('default', { visibilityTimeoutSeconds: 700, batchingWindowSeconds: 5 }),
      'queue "default" visibilityTimeoutSeconds = 700',
      'too short, must be ≥ 6 × workerTimeoutSeconds (120) + batchingWindowSeconds (5) = 725 s',
    );
  });

  it('a batch size of 0 or over 10,000 fails synth', () => {
    expectSynthFails(
      defaultWith({ batchSize: 0 }),
      'queue "default" batchSize = 0: must be an integer from 1 to 10000',
    );
    expectSynthFails(
      defaultWith({ batchSize: 10_001, batchingWindowSeconds: 1 }),
      'batchSize = 10001: must be an integer from 1 to 10000 (SQS event source batch size)',
    );
  });

  it('a batch size over 10 without a batching window fails synth', () => {
    expectSynthFails(
      defaultWith({ batchSize: 50, batchingWindowSeconds: 0 }),
      'queue "default" batchSize = 50: above 10 needs batchingWindowSeconds ≥ 1 (it is 0)',
    );
  });

  it('a batching window over 300 s fails synth', () => {
    expectSynthFails(
      defaultWith({ batchingWindowSeconds: 301 }),
      'queue "default" batchingWindowSeconds = 301: must be an integer from 0 to 300',
    );
  });

  it('a maximum concurrency below 2 or over 1,000 fails synth', () => {
    expectSynthFails(
      defaultWith({ maxConcurrency: 1 }),
      'queue "default" maxConcurrency = 1: must be an integer from 2 to 1000 (SQS event source maximum concurrency)',
    );
    expectSynthFails(
      defaultWith({ maxConcurrency: 1001, reservedConcurrency: 2000 }),
      'maxConcurrency = 1001: must be an integer from 2 to 1000',
    );
  });

  it('a maximum concurrency above the reserved concurrency fails synth', () => {
    expectSynthFails(
      defaultWith({ maxConcurrency: 10, reservedConcurrency: 5 }),
      'queue "default" reservedConcurrency = 5: must be at least maxConcurrency (10)',
    );
  });

  it('duplicate queue names fail synth', () => {
    const dup = {
      ...plan,
      queues: [...plan.queues, { ...plan.queues[0]!, queueName: 'other', dlqName: 'other-dlq' }],
    };
    expectSynthFails(dup, 'queue name "high" is used by 2 queues: queue names must be unique');
  });

  it('physical names that collide (queue "a-dlq" and the DLQ of "a") fail synth', () => {
    const colliding = planOf(createRegistry({ app: 'shop', queues: { a: {}, 'a-dlq': {} }, tasks: [] }));
    expectSynthFails(
      colliding,
      'physical queue name "shop-a-dlq" is used by DLQ of queue "a" and queue "a-dlq": SQS queue names must be unique',
    );
  });

  it('a DLQ retention not longer than its source fails synth', () => {
    expectSynthFails(
      defaultWith({ retentionSeconds: 1_209_600 }),
      'queue "default" dlqRetentionSeconds = 1209600: must be longer than retentionSeconds (1209600)',
    );
  });

  it('a message size over 1 MiB fails synth', () => {
    expectSynthFails(
      defaultWith({ maxMessageBytes: 2_000_000 }),
      'maxMessageBytes = 2000000: must be an integer from 1024 to 1048576',
    );
  });

  it('an oldest-message-age threshold under a minute fails synth', () => {
    expect(() => buildStack({ oldestMessageAgeThreshold: Duration.seconds(30) })).toThrow(
      'oldestMessageAgeThreshold = 30 s: must be at least 60 s',
    );
  });

  it('so many queues that CELERIAC_CONFIG outgrows Lambda 4 KB environment fails synth', () => {
    const queues = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`queue-number-${i}`, {}]));
    const big = planOf(createRegistry({ app: 'a-rather-long-app-name', queues, tasks: [] }));
    expectSynthFails(
      big,
      /CELERIAC_CONFIG ≈ \d+ bytes for 30 queues: Lambda environment variables are limited to 4096 bytes/,
    );
  });

  it('so many tasks that their routes outgrow the 4 KB environment fails synth, naming the routes', () => {
    const tasks = Array.from({ length: 120 }, (_, i) =>
      task(`reports.monthly-revenue-by-region-${i}`, {}, () => null),
    );
    const big = planOf(createRegistry({ app: 'shop', tasks }));
    expectSynthFails(big, /bytes for 1 queues: .* routes of 120 tasks included/);
  });

  it('reports every problem at once, each with value and rule', () => {
    const error = expectSynthFails(
      defaultWith({ batchSize: 0, maxConcurrency: 1 }),
      'batchSize = 0',
      'maxConcurrency = 1',
    );
    expect(error.problems).toHaveLength(2);
    expect(error.message).toMatch(/^TaskRuntime Celeriac\/Tasks: invalid settings:/);
  });

  it('values that are tokens (known only at deploy) are not checked', () => {
    const tokens = planWith('default', {
      batchSize: Lazy.number({ produce: () => 5 }),
      maxConcurrency: Lazy.number({ produce: () => 5 }),
      workerTimeoutSeconds: Lazy.number({ produce: () => 60 }),
      visibilityTimeoutSeconds: Lazy.number({ produce: () => 360 }),
    });
    expect(validateRuntime(tokens)).toEqual([]);
    expect(() => buildStack({ plan: tokens })).not.toThrow();
  });
});
