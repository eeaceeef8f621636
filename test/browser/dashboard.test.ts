import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../infra/api/node-server.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { chain, chord, ResultStore } from '../../runtime/internal.js';
import { summaryItems } from '../../runtime/results/batch-summary.js';
import type { Transition } from '../../runtime/results/store.js';
import { putSummaryItems, writeTransition } from '../../runtime/results/write.js';
import { localStack, takeAll, waitForState } from '../integration/harness.js';
import { exampleApp, exampleTasks } from '../support/example-app.js';

const { registry } = await exampleApp();
const [add, doomed, fetchPage, flaky, mul, noop, sendWelcome, xsum] = await exampleTasks(
  'examples.add',
  'examples.doomed',
  'examples.fetch-page',
  'examples.flaky',
  'examples.mul',
  'examples.noop',
  'examples.send-welcome',
  'examples.xsum',
);

/** Screenshots land here (gitignored); the docs copy the best ones into docs/img/. */
const ARTIFACTS = path.resolve(import.meta.dirname, '..', 'artifacts');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let stack: LocalStack;
let api: ApiServer;
let browser: Browser;
let page: Page;

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
const client = () => stack.client;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await localStack(registry, `b${Date.now().toString(36)}`);
  // No workers on "low": its DLQ keeps what the redrive test puts there.
  stack.startWorkers({ waitTimeSeconds: 1, queues: ['high', 'default'] });
  api = await startApiServer({ client: stack.client, registry, plan: stack.plan, port: 0 });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
  page = await browser.newPage({ viewport: { width: 1360, height: 860 }, deviceScaleFactor: 1 });
  page.on('dialog', (dialog) => void dialog.accept());
  // The token URL sets the cookie and redirects to a clean address.
  await page.goto(api.dashboardUrl);
  expect(new URL(page.url()).search).toBe('');
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await stack?.stop();
});

const row = (id: string) => page.locator(`tr[data-id="${id}"]`);

describe('dashboard (Chromium, local stack, real tasks)', () => {
  it('updates the live task list as tasks run, retry and finish', async () => {
    await page.goto(`${api.url}/#/tasks`);
    await expect.poll(() => page.locator('#live').textContent()).toMatch(/Live/);
    const ok = await Promise.all([
      fetchPage.enqueue(
        { url: 'https://example.com/a', latencyMs: 40 },
        { client: client(), tags: ['tenant:42'] },
      ),
      sendWelcome.enqueue({ email: 'ada@example.com', name: 'Ada' }, { client: client() }),
      noop.enqueue(null as never, { client: client() }),
    ]);
    const retrying = await flaky.enqueue({ failTimes: 2 }, { client: client() });
    // The page is not reloaded: the rows appear and change state by polling alone.
    await row(retrying.id).waitFor({ timeout: 15_000 });
    await expect.poll(() => row(retrying.id).getAttribute('data-state'), { timeout: 15_000 }).toBe('RETRY');
    await expect.poll(() => row(retrying.id).getAttribute('data-state'), { timeout: 15_000 }).toBe('SUCCESS');
    for (const h of ok) {
      await expect.poll(() => row(h.id).getAttribute('data-state'), { timeout: 15_000 }).toBe('SUCCESS');
    }
    expect(await row(ok[0]!.id).locator('.tag').allTextContents()).toEqual(['io', 'tenant:42']);
    await shot('tasks-list');
  });

  it('filters the list by state through the form', async () => {
    const done = await noop.enqueue(null as never, { client: client() });
    const failed = await doomed.enqueue({ reason: 'card declined' }, { client: client() });
    await waitForState(stack, done.id, ['SUCCESS']);
    await waitForState(stack, failed.id, ['FAILURE']);
    await page.goto(`${api.url}/#/tasks`);
    // Unfiltered, both of this test's tasks are listed; filtered, only the failed one.
    await row(done.id).waitFor();
    await row(failed.id).waitFor();
    await page.selectOption('#f-state', 'FAILURE');
    // The filtered list has replaced the unfiltered one once the successful task's row is gone.
    await row(done.id).waitFor({ state: 'detached' });
    await row(failed.id).waitFor();
    const states = await page
      .locator('tr[data-state]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')));
    expect(new Set(states)).toEqual(new Set(['FAILURE']));
    expect(page.url()).toContain('state=FAILURE');
    await page.click('button[type="reset"]');
  });

  it('shows a failed task with its error, stack, attempts and timeline (found by id search)', async () => {
    const failed = await doomed.enqueue({ reason: 'payment gateway down' }, { client: client() });
    await waitForState(stack, failed.id, ['FAILURE']);
    await page.goto(`${api.url}/#/queues`);
    await page.fill('#search-id', failed.id);
    await page.press('#search-id', 'Enter');
    await page.locator('pre.stack').waitFor();
    const stack_ = await page.locator('pre.stack').textContent();
    expect(stack_).toContain('Error: doomed: payment gateway down');
    expect(stack_).toMatch(/\n\s+at /);
    await expect(page.locator('.error-line').first().textContent()).resolves.toContain(
      'doomed: payment gateway down',
    );
    const timeline = await page.locator('.timeline li .badge').allTextContents();
    expect(timeline).toEqual(['RETRY', 'FAILURE']);
    await expect(page.locator('pre.json').first().textContent()).resolves.toContain('payment gateway down');
    await shot('task-failed');
  });

  it('renders a workflow (fan-out, fan-in-like chain, a failure) as a graph coloured by state', async () => {
    const root = await fetchPage.enqueue(
      { url: 'https://example.com/orders', latencyMs: 20 },
      { client: client(), id: `wf-${Date.now().toString(36)}` },
    );
    const tie = { client: client(), rootId: root.id };
    const members = await Promise.all(
      ['ada', 'grace', 'alan'].map((name) =>
        sendWelcome.enqueue({ email: `${name}@example.com`, name }, { ...tie, parentId: root.id }),
      ),
    );
    const callback = await noop.enqueue(null as never, { ...tie, parentId: members[0]!.id });
    const failing = await doomed.enqueue({ reason: 'smtp refused' }, { ...tie, parentId: members[2]!.id });
    await Promise.all([root, ...members, callback].map((h) => waitForState(stack, h.id, ['SUCCESS'])));
    await waitForState(stack, failing.id, ['FAILURE']);
    await page.goto(`${api.url}/#/workflow/${root.id}`);
    await page.locator('svg.dag').waitFor();
    await expect.poll(() => page.locator('svg.dag a.node').count()).toBe(6);
    expect(await page.locator('svg.dag path.edge').count()).toBe(5);
    expect(await page.locator('svg.dag a.node.state-success').count()).toBe(5);
    expect(await page.locator('svg.dag a.node.state-failure').count()).toBe(1);
    // Layered left to right: root, then the three members, then their children.
    const xs = await page
      .locator('svg.dag a.node rect:first-of-type')
      .evaluateAll((rects) => [...new Set(rects.map((r) => r.getAttribute('x')))].length);
    expect(xs).toBe(3);
    await shot('workflow-graph');
    await page.locator(`svg.dag a.node.state-failure`).click();
    await page.locator('pre.stack').waitFor();
    expect(page.url()).toContain(`#/task/${failing.id}`);
  });

  it('renders a real chord as a DAG: every member joins the body', async () => {
    const h = await chain(
      add.si({ x: 1, y: 1 }),
      chord([add.si({ x: 2, y: 2 }), mul.si({ x: 3, y: 3 }), add.si({ x: 4, y: 4 })], xsum.s()),
    ).apply({ client: client() });
    expect(await h.result({ timeout: '30s' })).toBe(4 + 9 + 8);
    await page.goto(`${api.url}/#/workflow/${h.rootId}`);
    await page.locator('svg.dag').waitFor();
    await expect.poll(() => page.locator('svg.dag a.node').count()).toBe(5);
    // root → 3 members (next), 3 members → body (join)
    expect(await page.locator('svg.dag path.edge').count()).toBe(6);
    expect(await page.locator('svg.dag a.node.state-success').count()).toBe(5);
    const layers = await page
      .locator('svg.dag a.node rect:first-of-type')
      .evaluateAll((rects) => [...new Set(rects.map((r) => r.getAttribute('x')))].length);
    expect(layers).toBe(3);
    await shot('workflow-chord');
  });

  it('redrives a DLQ from the queues page: the messages move back to their queue', async () => {
    const low = stack.config.queues.low!;
    // "low" has no worker: start from an empty queue and DLQ, so the counts shown are this test's.
    await takeAll(stack, low.dlqUrl);
    await takeAll(stack, low.url);
    const ids = Array.from({ length: 3 }, (_, i) => `dead-${i}-${Date.now().toString(36)}`);
    for (const id of ids) {
      const body = JSON.stringify({
        v: 1,
        id,
        task: 'examples.count-primes',
        args: { limit: 1000 },
        queue: 'low',
        enqueuedAt: Date.now(),
        root: id,
      });
      await stack.sqs.send(new SendMessageCommand({ QueueUrl: low.dlqUrl, MessageBody: body }));
    }
    await page.goto(`${api.url}/#/queues`);
    const lowRow = page.locator('tr[data-queue="low"]');
    await expect.poll(() => lowRow.locator('[data-col="dlq"]').textContent(), { timeout: 10_000 }).toBe('3');
    await shot('queues-dlq');
    await lowRow.locator('button[data-action="redrive"]').click();
    await expect.poll(() => lowRow.locator('[data-col="dlq"]').textContent(), { timeout: 15_000 }).toBe('0');
    await expect
      .poll(() => lowRow.locator('[data-col="visible"]').textContent(), { timeout: 10_000 })
      .toBe('3');
    await expect(page.locator('.toast-ok').last().textContent()).resolves.toMatch(/Moved 3 message/);
    await expect(lowRow.locator('button[data-action="redrive"]').isDisabled()).resolves.toBe(true);
    await shot('queues-redriven');
    // Take the three back: they are the ones this test dead-lettered, and the queue is left empty.
    const moved = await takeAll(stack, low.url);
    expect(moved.map((m) => JSON.parse(m.Body!).id).sort()).toEqual(ids);
  });

  it('charts throughput, failures and latency over time', async () => {
    // Fifteen minutes of history, written through the real store with a shifted clock.
    const now = Date.now();
    let clock = now;
    const store = new ResultStore(stack.dynamodb, stack.config.table, () => clock, stack.plan.table.shards);
    // As a worker does: successes are listed through a summary per batch of (here) ten.
    let batch: Transition[] = [];
    for (let i = 0; i < 160; i++) {
      const finishedAt = now - 14 * 60_000 + Math.floor((i / 160) * 14 * 60_000);
      const runtimeMs = 20 + ((i * 37) % 90) + (i % 23 === 0 ? 400 : 0);
      const failed = i % 11 === 0;
      clock = finishedAt;
      const t = {
        id: `hist-${i}`,
        state: failed ? 'FAILURE' : 'SUCCESS',
        task: failed ? 'examples.doomed' : 'examples.fetch-page',
        queue: failed ? 'high' : 'default',
        attempt: failed ? 2 : 1,
        rootId: `hist-${i}`,
        tags: [],
        ttlMs: 86_400_000,
        enqueuedAt: finishedAt - runtimeMs - 15 - (i % 7) * 10,
        startedAt: finishedAt - runtimeMs,
        finishedAt,
        ...(failed ? { error: { type: 'Error', message: 'doomed' } } : { result: { ok: true } }),
      } satisfies Transition;
      await writeTransition(store, t);
      if (!failed) batch.push(t);
      if (batch.length === 10 || (i === 159 && batch.length)) {
        await putSummaryItems(store, summaryItems(batch, clock, store.shards, randomUUID));
        batch = [];
      }
    }
    await page.goto(`${api.url}/#/charts?since=15m`);
    await page.locator('svg.chart').first().waitFor();
    expect(await page.locator('svg.chart').count()).toBe(3);
    expect(await page.locator('svg.chart rect.bar.ok').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.chart rect.bar.bad').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.chart .series.info circle').count()).toBeGreaterThan(0);
    await page.locator('#toasts').evaluate((el) => el.replaceChildren());
    await shot('charts');
  });

  it('pages through older tasks with "Load more", pausing live updates meanwhile', async () => {
    // 120 tasks of this test's own, under a tag of its own: three pages of 50, 50 and 20.
    const tag = `paging:${Date.now().toString(36)}`;
    const now = Date.now();
    const written: string[] = [];
    let batch: Transition[] = [];
    for (let i = 0; i < 120; i++) {
      const id = `${tag.replace(':', '-')}-${i}`;
      const finishedAt = now - i * 1_000;
      const store = new ResultStore(stack.dynamodb, stack.config.table, () => finishedAt);
      const t: Transition = {
        id,
        state: 'SUCCESS',
        task: 'examples.noop',
        queue: 'default',
        attempt: 1,
        rootId: id,
        tags: [tag],
        ttlMs: 86_400_000,
        startedAt: finishedAt - 5,
        finishedAt,
        result: null,
      };
      await writeTransition(store, t);
      written.push(id);
      // Successes are listed through the batch summaries a worker writes after each batch.
      batch.push(t);
      if (batch.length === 10) {
        await putSummaryItems(store, summaryItems(batch, finishedAt, store.shards, randomUUID));
        batch = [];
      }
    }
    await page.goto(`${api.url}/#/tasks?tag=${encodeURIComponent(tag)}`);
    await expect.poll(() => page.locator('tr[data-id]').count()).toBe(50);
    await page.locator('#toasts').evaluate((el) => el.replaceChildren());
    await page.screenshot({ path: path.join(ARTIFACTS, 'tasks-busy.png') });
    const more = page.getByRole('button', { name: 'Load more' });
    await more.click();
    await expect.poll(() => page.locator('tr[data-id]').count()).toBe(100);
    await expect(page.getByRole('status').filter({ hasText: 'Live updates paused' }).count()).resolves.toBe(
      1,
    );
    await more.click();
    await expect.poll(() => page.locator('tr[data-id]').count()).toBe(120);
    await expect(more.isHidden()).resolves.toBe(true);
    const ids = await page
      .locator('tr[data-id]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    // Newest first, each once, exactly this test's tasks.
    expect(ids).toEqual(written);
  });
});
