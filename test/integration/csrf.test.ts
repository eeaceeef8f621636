import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../infra/api/node-server.js';
import { type SigningProxy, startSigningProxy } from '../../infra/cli/proxy.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { registry } from './fixtures/tasks.js';
import { localStack } from './harness.js';

// Requests as a browser sends them from a page on another 127.0.0.1 port, with the victim's
// cookie attached (loopback cookies are shared across ports; SameSite does not separate them).

let stack: LocalStack;
let api: ApiServer;
let apiCookie: string;
let upstream: Server;
let forwarded = 0;
let proxy: SigningProxy;
let proxyCookie: string;

async function cookieOf(dashboardUrl: string): Promise<string> {
  const res = await fetch(dashboardUrl, { redirect: 'manual' });
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

beforeAll(async () => {
  stack = await localStack(registry);
  api = await startApiServer({ client: stack.client, registry, plan: stack.plan, port: 0 });
  apiCookie = await cookieOf(api.dashboardUrl);
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  upstream = createServer((req, res) => {
    forwarded++;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const { port } = upstream.address() as AddressInfo;
  proxy = await startSigningProxy({ target: `http://127.0.0.1:${port}/`, region: 'eu-west-1', port: 0 });
  proxyCookie = await cookieOf(proxy.dashboardUrl);
});
afterAll(async () => {
  await proxy?.close();
  await new Promise<void>((r) => upstream?.close(() => r()));
  await api?.close();
  await stack?.stop();
});

const EVIL = 'http://127.0.0.1:5173';

/** A plain HTML form POST (no preflight, cookie attached). */
const formPost = (cookie: string, fetchSite = true): RequestInit => ({
  method: 'POST',
  headers: {
    cookie,
    origin: EVIL,
    ...(fetchSite ? { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'navigate' } : {}),
    'content-type': 'application/x-www-form-urlencoded',
  },
  body: '', // a form with no fields: revoke needs none
});

/** `fetch(url, { mode: 'no-cors', method: 'POST', headers: { 'content-type': 'text/plain; charset=application/json' } })`. */
const noCorsPost = (cookie: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { cookie, 'content-type': 'text/plain; charset=application/json', ...headers },
  body: JSON.stringify(body),
});

describe('CSRF: the local API', () => {
  it('refuses a form POST from another local port (revoke), with or without Sec-Fetch-Site', async () => {
    for (const fetchSite of [true, false]) {
      const res = await fetch(`${api.url}/api/tasks/csrf-victim/revoke`, formPost(apiCookie, fetchSite));
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
    expect(await stack.client.results.get('csrf-victim')).toBeUndefined();
  });

  it('refuses a no-cors text/plain "JSON" enqueue and purge, even with no Origin or Sec-Fetch-Site', async () => {
    const enqueue = { task: 'add', args: { x: 1, y: 2 } };
    const variants: Record<string, string>[] = [
      { origin: EVIL, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' },
      { origin: EVIL },
      {},
    ];
    for (const headers of variants) {
      const res = await fetch(`${api.url}/api/tasks`, noCorsPost(apiCookie, enqueue, headers));
      expect(res.status).toBe(403);
      const purge = await fetch(
        `${api.url}/api/queues/default/purge`,
        noCorsPost(apiCookie, { target: 'queue' }, headers),
      );
      expect(purge.status).toBe(403);
    }
  });

  it("the dashboard's own requests still work: same-origin JSON with the cookie", async () => {
    const res = await fetch(`${api.url}/api/tasks/csrf-own/revoke`, {
      method: 'POST',
      headers: {
        cookie: apiCookie,
        origin: api.url,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json',
      },
      body: '{"task":"add","reason":"mine"}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ revoked: true });
    // Without Sec-Fetch-Site (older browsers), the own Origin is enough.
    const old = await fetch(`${api.url}/api/tasks/csrf-own-2/revoke`, {
      method: 'POST',
      headers: { cookie: apiCookie, origin: api.url, 'content-type': 'application/json' },
      body: '{"task":"add"}',
    });
    expect(old.status).toBe(200);
  });

  it('the CLI (token in the Authorization header) needs no JSON content type for a bodiless change', async () => {
    const res = await fetch(`${api.url}/api/tasks/csrf-cli/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}` },
    });
    expect(res.status).toBe(200);
  });
});

describe("CSRF: through celeriac dev's API proxy", () => {
  it('judges Origin against the address the browser used, not the app host behind it', async () => {
    const { startApiProxy } = await import('../../infra/local/api-proxy.js');
    const front = await startApiProxy(0, api.token);
    front.setTarget(api.url);
    try {
      const post = (origin: string) =>
        fetch(`${front.url}/api/tasks/csrf-dev/revoke`, {
          method: 'POST',
          headers: { cookie: apiCookie, origin, 'content-type': 'application/json' },
          body: '{"task":"add"}',
        });
      expect((await post(front.url)).status).toBe(200);
      expect((await post(EVIL)).status).toBe(403);
      expect((await post(api.url)).status).toBe(403);
    } finally {
      await front.close();
    }
  });
});

describe('CSRF: the signing proxy', () => {
  it('uses its own cookie name, so the local API cookie does not open it', async () => {
    expect(apiCookie.split('=')[0]).toBe('celeriac_token');
    expect(proxyCookie.split('=')[0]).toBe('celeriac_proxy_token');
    const res = await fetch(`${proxy.url}/api/tasks`, {
      headers: { cookie: `celeriac_token=${proxy.token}` },
    });
    expect(res.status).toBe(401);
  });

  it('refuses a cross-site form POST and a no-cors text/plain POST before signing anything', async () => {
    forwarded = 0;
    const form = await fetch(`${proxy.url}/api/tasks/x/revoke`, formPost(proxyCookie));
    expect(form.status).toBe(403);
    const noCors = await fetch(`${proxy.url}/api/tasks`, noCorsPost(proxyCookie, { task: 'add', args: {} }));
    expect(noCors.status).toBe(403);
    expect(forwarded).toBe(0);
    const own = await fetch(`${proxy.url}/api/tasks/x/revoke`, {
      method: 'POST',
      headers: { cookie: proxyCookie, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(own.status).toBe(200);
    expect(forwarded).toBe(1);
  });
});
