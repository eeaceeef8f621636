import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SigningProxy, startSigningProxy } from '../../infra/cli/proxy.js';
import { Sha256 } from '../../infra/cli/sha256.js';

/** The credential the proxy signs with in this test (AWS's documentation example key). */
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

type Received = { method: string; url: string; headers: IncomingMessage['headers']; body: string };

/**
 * The Authorization header SigV4 gives the request as the upstream received it (method, path,
 * query, the headers it says it signed, body, date), signed with `credentials`. Equal to the
 * received header only if the proxy signed exactly what it sent, with that credential.
 */
async function authorizationFor(got: Received, credentials = CREDENTIALS): Promise<string> {
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(String(got.headers.authorization))![1]!.split(';');
  const d = String(got.headers['x-amz-date']);
  const signingDate = new Date(
    `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`,
  );
  const url = new URL(got.url, `http://${got.headers.host}`);
  const signer = new SignatureV4({ service: 'lambda', region: 'eu-west-1', credentials, sha256: Sha256 });
  const signed = await signer.sign(
    {
      method: got.method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(signedHeaders.map((h) => [h, String(got.headers[h])])),
      body: got.body,
    },
    { signingDate },
  );
  return String(signed.headers.authorization);
}

/** A stand-in Function URL on loopback that records what reaches it. */
let upstream: Server;
let seen: Received[] = [];
let proxy: SigningProxy;

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
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
    const date = String(got.headers['x-amz-date']);
    expect(date).toMatch(/^\d{8}T\d{6}Z$/);
    // Host, date, the forwarded headers and the payload hash (of the body received) are signed.
    expect(got.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(got.body).digest('hex'));
    expect(got.headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${date.slice(0, 8)}/eu-west-1/lambda/aws4_request, SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$`,
      ),
    );
    // The signature verifies: recomputed from what the upstream received, with the known key.
    expect(got.headers.authorization).toBe(await authorizationFor(got));
    // …and the check has teeth: another key or another body gives another signature.
    const wrongKey = { ...CREDENTIALS, secretAccessKey: `${CREDENTIALS.secretAccessKey}x` };
    expect(await authorizationFor(got, wrongKey)).not.toBe(got.headers.authorization);
    const other = '{"reason":"go"}';
    const otherHash = createHash('sha256').update(other).digest('hex');
    const tampered = { ...got, body: other, headers: { ...got.headers, 'x-amz-content-sha256': otherHash } };
    expect(await authorizationFor(tampered)).not.toBe(got.headers.authorization);
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
