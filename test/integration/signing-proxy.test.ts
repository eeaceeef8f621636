import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SigningProxy, startSigningProxy } from '../../infra/cli/proxy.js';

/** A stand-in Function URL on loopback that records what reaches it. */
let upstream: Server;
let seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
let proxy: SigningProxy;

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'upstream=1' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const { port } = upstream.address() as AddressInfo;
  proxy = await startSigningProxy({ target: `http://127.0.0.1:${port}/`, region: 'eu-west-1', port: 0 });
});
afterAll(async () => {
  await proxy?.close();
  await new Promise<void>((r) => upstream?.close(() => r()));
});

describe('celeriac dashboard signing proxy', () => {
  it('refuses requests without its token, and forwards nothing', async () => {
    seen = [];
    const res = await fetch(`${proxy.url}/api/tasks`);
    expect(res.status).toBe(401);
    expect(seen).toEqual([]);
  });

  it('signs each request with SigV4 for lambda in the region and forwards body and query, not the token', async () => {
    seen = [];
    const res = await fetch(`${proxy.url}/api/tasks/abc/revoke?x=1&token=${proxy.token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'other=secret' },
      body: '{"reason":"stop"}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.get('set-cookie') ?? '').not.toContain('upstream');
    const got = seen[0]!;
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/api/tasks/abc/revoke?x=1');
    expect(got.body).toBe('{"reason":"stop"}');
    expect(got.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(got.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(got.headers.cookie).toBeUndefined();
  });

  it('answers on loopback only, with the token as a cookie after the first visit', async () => {
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const first = await fetch(proxy.dashboardUrl, { redirect: 'manual' });
    expect(first.status).toBe(303);
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    seen = [];
    const page = await fetch(`${proxy.url}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(seen[0]!.headers.cookie).toBeUndefined();
  });
});
