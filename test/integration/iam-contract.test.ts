import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../infra/api/app.js';
import { queueCounts } from '../../infra/api/ops/queues.js';
import { CeleriacStack } from '../../infra/cdk/stack.js';
import type { LocalStack } from '../../infra/local/stack.js';
import {
  CeleriacClient,
  chain,
  chord,
  createWorker,
  getWorkflow,
  group,
  revoke,
  revokeWorkflow,
  TaskQuery,
} from '../../runtime/internal.js';
import { isAllowed, statementsOfRole } from '../support/iam-policy.js';
import { iamRequestsOf, type RecordedCall, type ResourceMap, recordCalls } from '../support/record-calls.js';
import {
  add,
  doomed,
  flaky,
  inspect,
  inspectVia,
  limited,
  once,
  registry,
  sideAdd,
  xsum,
} from './fixtures/iam-tasks.js';
import { localStack, waitForState } from './harness.js';

// For each role the stack synthesizes (and each grant users give their own functions), the
// AWS calls the code really sends — recorded through the SDK on the local stack while the role's
// work is done — must each be allowed by that role's synthesized policy, evaluated offline.

let stack: LocalStack;
const calls = new Map<string, RecordedCall[]>();

/** A client whose SDK calls are recorded under `role`. */
function recordingClient(role: string): CeleriacClient {
  const sink: RecordedCall[] = [];
  calls.set(role, sink);
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const { endpoints, region } = stack.config;
  const sqs = new SQSClient({ region, endpoint: endpoints!.sqs!, credentials });
  const dynamodb = new DynamoDBClient({ region, endpoint: endpoints!.dynamodb!, credentials });
  const scheduler = new SchedulerClient({ region, endpoint: endpoints!.scheduler!, credentials });
  recordCalls(sqs, 'sqs', sink);
  recordCalls(dynamodb, 'dynamodb', sink);
  recordCalls(scheduler, 'scheduler', sink);
  return new CeleriacClient({ config: stack.config, sqs, dynamodb, scheduler });
}

const opts = (client: CeleriacClient) => ({ client });

beforeAll(async () => {
  stack = await localStack(registry);
  const worker = recordingClient('worker');
  inspectVia.client = worker;
  stack.startWorkers({ waitTimeSeconds: 1, handler: createWorker(registry, { client: worker }) });
});
afterAll(() => stack?.stop());

describe('the work each role does, on the local stack (calls recorded)', () => {
  it('producer (grantEnqueue): enqueue now, later, much later, with an idempotency key, canvases', async () => {
    const c = recordingClient('producer');
    await add.enqueue({ x: 1, y: 1 }, opts(c));
    await add.enqueue({ x: 1, y: 1 }, { client: c, delay: '2s' });
    await add.enqueue({ x: 1, y: 1 }, { client: c, delay: '3h' });
    await add.enqueue({ x: 1, y: 1 }, { client: c, idempotencyKey: 'iam-once' });
    await add.enqueue({ x: 1, y: 1 }, { client: c, idempotencyKey: 'iam-once' });
    await sideAdd.enqueue({ x: 1, y: 1 }, opts(c));
    await chain(add.si({ x: 1, y: 1 }), add.si({ x: 2, y: 2 })).apply(opts(c));
    await group(add.si({ x: 1, y: 1 }), sideAdd.si({ x: 2, y: 2 })).apply(opts(c));
    await chord([add.si({ x: 1, y: 1 }), add.si({ x: 2, y: 2 })], xsum.s()).apply(opts(c));
  });

  it('producer waiting on its handles (grantEnqueue + grantReadHandles)', async () => {
    const c = recordingClient('waiter');
    const h = await add.enqueue({ x: 2, y: 3 }, opts(c));
    expect(await h.result({ timeout: '20s' })).toBe(5);
    await h.get();
    const g = await group(add.si({ x: 1, y: 1 }), add.si({ x: 2, y: 2 })).apply(opts(c));
    expect(await g.result({ timeout: '20s' })).toEqual([2, 4]);
  });

  it('revoker (grantRevoke): a queued task, a long-delayed one, a workflow', async () => {
    const c = recordingClient('revoker');
    const queued = await add.enqueue({ x: 1, y: 1 }, { client: stack.client, delay: '10s' });
    const delayed = await add.enqueue({ x: 1, y: 1 }, { client: stack.client, delay: '3h' });
    const wf = await chain(add.si({ x: 1, y: 1 }), add.si({ x: 2, y: 2 }, { delay: '10s' })).apply(
      opts(stack.client),
    );
    await waitForState(stack, wf.rootId, ['SUCCESS']);
    expect(await revoke(queued.id, opts(c))).toMatchObject({ revoked: true });
    expect(await revoke(delayed.id, opts(c))).toMatchObject({ revoked: true, scheduleDeleted: true });
    await revokeWorkflow(wf.rootId, opts(c));
  });

  it('workflow reader (grantReadWorkflows): getWorkflow', async () => {
    const c = recordingClient('workflows');
    const wf = await chain(add.si({ x: 1, y: 1 }), add.si({ x: 2, y: 2 })).apply(opts(stack.client));
    await wf.result({ timeout: '20s' });
    expect((await getWorkflow(wf.rootId, opts(c))).nodes.length).toBe(2);
  });

  it('read-only dashboard (grantDashboardReadOnly): lists, details, workflows, queue counts', async () => {
    const c = recordingClient('readonly');
    const h = await add.enqueue({ x: 1, y: 1 }, opts(stack.client));
    await h.result({ timeout: '20s' });
    const query = new TaskQuery(c.dynamodb, c.config.table, { taskNames: ['add'] });
    await query.list({ task: 'add' });
    await query.list({ state: 'FAILURE' });
    await c.results.get(h.id);
    await getWorkflow(h.id, opts(c));
    for (const q of Object.values(c.config.queues)) {
      await queueCounts(c, q.url);
      await queueCounts(c, q.dlqUrl);
    }
  });

  it('worker: plain, retried, failed for good, run-once, rate-limited, canvases, long delays, getWorkflow, revoked', async () => {
    const s = opts(stack.client);
    const handles = [
      await add.enqueue({ x: 1, y: 1 }, s),
      await sideAdd.enqueue({ x: 1, y: 1 }, s),
      await flaky.enqueue({}, s),
      await once.enqueue({ n: 1 }, s),
      await limited.enqueue({ n: 1 }, s),
      await inspect.enqueue({}, s),
    ];
    for (const h of handles) await h.result({ timeout: '20s' });
    const dead = await doomed.enqueue({}, s);
    await waitForState(stack, dead.id, ['FAILURE']);
    await (await chain(add.si({ x: 1, y: 1 }), sideAdd.si({ x: 2, y: 2 })).apply(s)).result({
      timeout: '20s',
    });
    await (await chord([add.si({ x: 1, y: 1 }), sideAdd.si({ x: 2, y: 2 })], xsum.s()).apply(s)).result({
      timeout: '20s',
    });
    const later = await chain(add.si({ x: 1, y: 1 }), add.si({ x: 2, y: 2 }, { delay: '3h' })).apply(s);
    await waitForState(stack, later.rootId, ['SUCCESS']);
    const revoked = await add.enqueue({ x: 9, y: 9 }, { client: stack.client, delay: '2s' });
    await revoke(revoked.id, s);
    const after = await add.enqueue({ x: 1, y: 2 }, { client: stack.client, delay: '3s' });
    await after.result({ timeout: '20s' });
    const kinds = new Set(calls.get('worker')!.map((c) => `${c.service}:${c.command}`));
    for (const expected of [
      'sqs:SendMessageBatch',
      'sqs:ChangeMessageVisibilityBatch',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'scheduler:CreateSchedule',
    ])
      expect(kinds).toContain(expected);
  });

  it('results API (its own role): every route, reads and changes', async () => {
    const c = recordingClient('api');
    const app = createApi({ client: c, registry, plan: stack.plan }, { dashboard: false });
    const json = { 'content-type': 'application/json' };
    const h = await add.enqueue({ x: 1, y: 1 }, opts(stack.client));
    await h.result({ timeout: '20s' });
    const req = (method: string, url: string, body?: unknown) =>
      app.request(url, {
        method,
        headers: json,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const statuses = [
      (await req('GET', '/api/tasks')).status,
      (await req('GET', '/api/tasks?state=FAILURE')).status,
      (await req('GET', `/api/tasks/${h.id}`)).status,
      (await req('GET', `/api/workflows/${h.id}`)).status,
      (await req('GET', '/api/queues')).status,
      (await req('GET', '/api/stats')).status,
      (await req('POST', '/api/tasks', { task: 'add', args: { x: 1, y: 2 } })).status,
      (await req('POST', '/api/tasks', { task: 'add', args: { x: 1, y: 2 }, delay: '3h' })).status,
      (await req('POST', `/api/tasks/iam-api-revoke/revoke`, { task: 'add' })).status,
      (await req('POST', '/api/queues/side/redrive', {})).status,
      (await req('POST', '/api/queues/side/purge', { target: 'dlq' })).status,
    ];
    expect(statuses.every((s) => s < 300)).toBe(true);
  });
});

describe('IAM contract: every recorded call is allowed by the role that makes it', () => {
  it('no gaps, for any role', () => {
    const { cdk, grants, template } = synthesized();
    const map = resourceMap(cdk);
    const gaps: string[] = [];
    const check = (label: string, roleId: string, call: RecordedCall) => {
      const statements = statementsOfRole(template, roleId);
      for (const request of iamRequestsOf(call, map)) {
        if (!isAllowed(statements, request))
          gaps.push(`${label}: ${request.action} on ${request.resource} ${JSON.stringify(request.context)}`);
      }
    };
    let checked = 0;
    for (const [label, construct] of Object.entries(grants)) {
      const roleId = lid(cdk, construct);
      for (const call of calls.get(label) ?? []) {
        check(label, roleId, call);
        checked++;
      }
    }
    // Worker calls: a call on a queue's own messages (or its DLQ) is made by that queue's
    // worker; everything else may come from any worker, so every worker role must allow it.
    for (const call of calls.get('worker') ?? []) {
      const url = String(call.input.QueueUrl ?? '');
      const owner =
        stack.plan.queues.find(
          (q) =>
            url.endsWith(`/${q.queueName}`) &&
            call.command !== 'SendMessageBatch' &&
            call.command !== 'SendMessage',
        ) ?? stack.plan.queues.find((q) => url.endsWith(`/${q.dlqName}`));
      const workers = owner ? [owner.name] : stack.plan.queues.map((q) => q.name);
      for (const name of workers)
        check(`worker ${name}`, lid(cdk, cdk.runtime.workers.get(name)!.role), call);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
    for (const label of ['producer', 'waiter', 'revoker', 'workflows', 'readonly', 'api', 'worker'])
      expect(calls.get(label)?.length ?? 0, `calls recorded for ${label}`).toBeGreaterThan(0);
    expect([...new Set(gaps)]).toEqual([]);
  });

  it('and each role is refused what it must not do (the evaluator reads conditions, not just actions)', () => {
    const { cdk, grants, template } = synthesized();
    const map = resourceMap(cdk);
    const table = map.table(stack.config.table);
    const queue = map.queue(stack.config.queues.default!.url);
    const allowed = (label: string, action: string, resource: string, keys?: string[]) =>
      isAllowed(statementsOfRole(template, lid(cdk, grants[label]!)), {
        action,
        resource,
        context: keys ? { 'dynamodb:LeadingKeys': keys } : {},
      });
    // The producer writes idempotency keys only, and reads nothing.
    expect(allowed('producer', 'dynamodb:PutItem', table, ['idem#k'])).toBe(true);
    expect(allowed('producer', 'dynamodb:PutItem', table, ['some-task-id'])).toBe(false);
    expect(allowed('producer', 'dynamodb:PutItem', table, ['idem#k', 'some-task-id'])).toBe(false);
    expect(allowed('producer', 'dynamodb:GetItem', table, ['some-task-id'])).toBe(false);
    // A waiter reads by id but cannot list.
    expect(allowed('waiter', 'dynamodb:GetItem', table, ['some-task-id'])).toBe(true);
    expect(allowed('waiter', 'dynamodb:Query', table)).toBe(false);
    expect(allowed('waiter', 'dynamodb:Query', `${table}/index/byTask`)).toBe(false);
    // The revoker writes revocation items only, lists workflows only.
    expect(allowed('revoker', 'dynamodb:PutItem', table, ['_revoked#t'])).toBe(true);
    expect(allowed('revoker', 'dynamodb:PutItem', table, ['t'])).toBe(false);
    expect(allowed('revoker', 'dynamodb:Query', `${table}/index/byTask`)).toBe(false);
    expect(allowed('revoker', 'sqs:SendMessage', queue)).toBe(false);
    // The workflow reader queries byRoot only.
    expect(allowed('workflows', 'dynamodb:Query', `${table}/index/byRoot`)).toBe(true);
    expect(allowed('workflows', 'dynamodb:Query', `${table}/index/byState`)).toBe(false);
    // Read-only means read-only.
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'])
      expect(allowed('readonly', action, table, ['t'])).toBe(false);
    for (const action of ['sqs:SendMessage', 'sqs:PurgeQueue', 'sqs:ReceiveMessage'])
      expect(allowed('readonly', action, queue)).toBe(false);
    expect(allowed('readonly', 'sqs:GetQueueAttributes', queue)).toBe(true);
    // The API puts revocation items only.
    expect(allowed('api', 'dynamodb:PutItem', table, ['_revoked#t'])).toBe(true);
    expect(allowed('api', 'dynamodb:PutItem', table, ['t'])).toBe(false);
  });
});

interface Synthesized {
  readonly cdk: CeleriacStack;
  readonly template: Template;
  /** The role construct of each recorded label (workers apart). */
  readonly grants: Record<string, IConstruct>;
}

let synthesizedOnce: Synthesized | undefined;

/** The stack of the local plan, with one role per grant users give their own functions. */
function synthesized(): Synthesized {
  if (synthesizedOnce) return synthesizedOnce;
  const app = new App({ context: cdkContext() });
  const code = lambda.Code.fromInline('exports.handler = async () => ({})');
  const cdk = new CeleriacStack(app, 'Celeriac', {
    runtime: { plan: stack.plan, workerCode: code, resultsApi: { code } },
  });
  const rt = cdk.runtime;
  const role = (id: string) =>
    new iam.Role(cdk, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const grants: Record<string, IConstruct> = {};
  const producer = role('Producer');
  rt.grantEnqueue(producer);
  grants.producer = producer;
  const waiter = role('Waiter');
  rt.grantEnqueue(waiter);
  rt.grantReadHandles(waiter);
  grants.waiter = waiter;
  const revoker = role('Revoker');
  rt.grantRevoke(revoker);
  grants.revoker = revoker;
  const workflows = role('Workflows');
  rt.grantReadWorkflows(workflows);
  grants.workflows = workflows;
  const readonly = role('ReadOnly');
  rt.grantDashboardReadOnly(readonly);
  grants.readonly = readonly;
  grants.api = rt.api!.role;
  const template = Template.fromStack(cdk);

  synthesizedOnce = { cdk, grants, template };
  return synthesizedOnce;
}

function cdkContext(): Record<string, unknown> {
  const file = path.resolve(import.meta.dirname, '..', '..', 'cdk.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
}

function lid(stack: Stack, construct: IConstruct): string {
  const element = construct.node.defaultChild ?? construct;
  return stack.resolve(stack.getLogicalId(element as never)) as string;
}

/** Local names (table, queue URLs, scheduler role, schedules) → the template's resources. */
function resourceMap(cdk: CeleriacStack): ResourceMap {
  const rt = cdk.runtime;
  const byPhysical = new Map<string, string>();
  for (const q of stack.plan.queues) {
    const wq = rt.queue(q.name);
    byPhysical.set(q.queueName, `<${lid(cdk, wq.queue)}.Arn>`);
    byPhysical.set(q.dlqName, `<${lid(cdk, wq.deadLetterQueue)}.Arn>`);
  }
  const table = `<${lid(cdk, rt.results.table)}.Arn>`;
  const group = cdk.resolve(rt.scheduler.group.scheduleGroupName) as string;
  return {
    table: (name) => (name === stack.config.table ? table : `unknown-table:${name}`),
    queue: (url) => byPhysical.get(url.slice(url.lastIndexOf('/') + 1)) ?? `unknown-queue:${url}`,
    schedulerRole: (arn) =>
      arn === stack.config.scheduler?.roleArn
        ? `<${lid(cdk, rt.scheduler.role)}.Arn>`
        : `unknown-role:${arn}`,
    schedule: (localGroup, name) =>
      `arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${localGroup === stack.config.scheduler?.group ? group : `unknown-group:${localGroup}`}/${name}`,
  };
}
