import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { localAuth } from '../api/auth.js';
import { serveOnLoopback } from '../api/node-server.js';
import { Sha256 } from './sha256.js';

/** Options of {@link startSigningProxy}. */
export interface SigningProxyOptions {
  /** The results API Function URL, e.g. `https://abc.lambda-url.eu-west-1.on.aws/`. */
  readonly target: string;
  /** @default parsed from the Function URL's host */
  readonly region?: string;
  /** Port on 127.0.0.1. @default 8788 */
  readonly port?: number;
}

/** A running signing proxy. */
export interface SigningProxy {
  readonly url: string;
  readonly token: string;
  readonly dashboardUrl: string;
  close(): Promise<void>;
}

const FORWARDED = ['accept', 'content-type'];

/** Cookie carrying the signing proxy's token (not the local API's `celeriac_token`). */
export const PROXY_TOKEN_COOKIE = 'celeriac_proxy_token';

/**
 * A loopback proxy to a deployed results API behind an AWS_IAM Function URL: each request
 * is signed with SigV4 (service `lambda`) using your AWS credentials (the default provider
 * chain: env, profile, SSO…) and forwarded. The proxy itself answers 127.0.0.1 only and
 * requires its own per-run token, so other local users and web pages cannot borrow your
 * credentials.
 *
 * @example
 * ```ts
 * const proxy = await startSigningProxy({ target: apiUrl });
 * console.log(proxy.dashboardUrl);
 * ```
 */
export async function startSigningProxy(options: SigningProxyOptions): Promise<SigningProxy> {
  const target = new URL(options.target);
  const region = options.region ?? /\.lambda-url\.([a-z0-9-]+)\.on\.aws$/.exec(target.hostname)?.[1];
  if (!region) throw new Error(`cannot tell the region of ${target.hostname}; pass --region`);
  const [{ SignatureV4 }, { defaultProvider }] = await Promise.all([
    import('@smithy/signature-v4'),
    import('@aws-sdk/credential-provider-node'),
  ]);
  const signer = new SignatureV4({
    service: 'lambda',
    region,
    credentials: defaultProvider(),
    sha256: Sha256,
  });
  const token = randomBytes(32).toString('hex');
  const app = new Hono();
  // Its own cookie name: the local API on another port must not hand its cookie to this one.
  app.use('*', localAuth(token, { cookie: PROXY_TOKEN_COOKIE }));
  app.all('*', async (c) => {
    const url = new URL(c.req.url);
    url.searchParams.delete('token');
    const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? undefined : await c.req.text();
    const headers: Record<string, string> = { host: target.host };
    for (const name of FORWARDED) {
      const value = c.req.header(name);
      if (value) headers[name] = value;
    }
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => {
      query[k] = v;
    });
    const signed = await signer.sign({
      method: c.req.method,
      protocol: target.protocol,
      hostname: target.hostname,
      path: url.pathname,
      query,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const upstream = await fetch(`${target.origin}${url.pathname}${url.search}`, {
      method: c.req.method,
      headers: signed.headers,
      ...(body !== undefined ? { body } : {}),
    });
    const out = new Headers();
    for (const name of [
      'content-type',
      'cache-control',
      'content-security-policy',
      'x-content-type-options',
      'location',
    ]) {
      const value = upstream.headers.get(name);
      if (value) out.set(name, value);
    }
    return new Response(await upstream.arrayBuffer(), { status: upstream.status, headers: out });
  });
  return serveOnLoopback((request) => app.fetch(request), options.port ?? 8788, token);
}
