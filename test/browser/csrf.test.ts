import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../infra/api/app.js';
import { localAuth } from '../../infra/api/auth.js';
import { type ApiServer, serveOnLoopback } from '../../infra/api/node-server.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { add, registry } from '../integration/fixtures/tasks.js';
import { eventually, localStack } from '../integration/harness.js';

// A real browser holding the dashboard cookie visits a page served from another 127.0.0.1
// port; that page tries a plain form POST (revoke) and a no-cors text/plain fetch (enqueue).

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly site: string | null;
}

let stack: LocalStack;
let api: ApiServer;
let evil: Server;
let evilUrl: string;
let browser: Browser;
const seen: Seen[] = [];

beforeAll(async () => {
  stack = await localStack(registry);
  const token = randomBytes(32).toString('hex');
  const app = createApi({ client: stack.client, registry, plan: stack.plan }, { auth: localAuth(token) });
  api = await serveOnLoopback(
    async (request) => {
      const response = await app.fetch(request);
      seen.push({
        method: request.method,
        path: new URL(request.url).pathname,
        status: response.status,
        site: request.headers.get('sec-fetch-site'),
      });
      return response;
    },
    0,
    token,
  );
  evil = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>evil</title>
<form id="f" method="POST" action="${api.url}/api/tasks/csrf-victim/revoke"></form>
<script>
fetch('${api.url}/api/tasks', {
  method: 'POST', mode: 'no-cors', credentials: 'include',
  headers: { 'content-type': 'text/plain; charset=application/json' },
  body: JSON.stringify({ task: 'add', args: { x: 40, y: 2 } }),
}).finally(() => document.getElementById('f').submit());
</script>`);
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    headless: true,
  });
});
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => evil?.close(() => r()));
  await api?.close();
  await stack?.stop();
});

describe('CSRF from another local port (Chromium)', () => {
  it('a form POST and a no-cors text/plain fetch reach the API and are refused; the own page still works', async () => {
    const page = await browser.newPage();
    await page.goto(api.dashboardUrl); // sets the cookie, as the user opening the dashboard
    // The dashboard's own change works with that cookie.
    const h = await add.enqueue({ x: 1, y: 1 }, { client: stack.client, delay: '1h' });
    const own = await page.evaluate(
      (id) =>
        fetch(`/api/tasks/${id}/revoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"task":"add"}',
        }).then((r) => r.status),
      h.id,
    );
    expect(own).toBe(200);
    await page.goto(evilUrl);
    const attempts = await eventually(async () => {
      const hits = seen.filter(
        (s) => s.method === 'POST' && (s.path === '/api/tasks' || s.path === '/api/tasks/csrf-victim/revoke'),
      );
      return hits.length >= 2 ? hits : undefined;
    });
    expect(attempts.map((a) => a.status)).toEqual([403, 403]);
    expect(attempts.every((a) => a.site === 'same-site')).toBe(true);
    expect(await stack.client.results.get('csrf-victim')).toBeUndefined();
    await page.close();
  });
});
