import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApi } from './app.js';
import { localAuth } from './auth.js';
import type { ApiDeps } from './context.js';

/** Options of {@link startApiServer}. */
export interface ApiServerOptions extends ApiDeps {
  /** Port on 127.0.0.1; 0 picks a free one. @default 8787 */
  readonly port?: number;
  /** The access token. @default 32 random bytes, hex */
  readonly token?: string;
}

/** A running local API server. */
export interface ApiServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly token: string;
  /** The dashboard's address with the token, to open once in a browser. */
  readonly dashboardUrl: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_200_000;

/**
 * A fetch-style handler behind node:http: the request becomes a WHATWG `Request`, the
 * `Response` is written back (every Set-Cookie kept). Bodies over ~1.2 MB are refused.
 *
 * @example
 * ```ts
 * createServer(nodeAdapter((req) => app.fetch(req)));
 * ```
 */
export function nodeAdapter(fetch: (request: Request) => Promise<Response> | Response) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) {
          res.writeHead(413, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              error: { code: 'PAYLOAD_TOO_LARGE', message: `body over ${MAX_BODY_BYTES} bytes` },
            }),
          );
          req.destroy();
          return;
        }
        chunks.push(chunk as Buffer);
      }
      const headers = new Headers();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
      }
      const method = req.method ?? 'GET';
      const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
        method,
        headers,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      });
      const response = await fetch(request);
      const out: Record<string, string | string[]> = {};
      response.headers.forEach((value, key) => {
        if (key !== 'set-cookie') out[key] = value;
      });
      const cookies = response.headers.getSetCookie();
      if (cookies.length) out['set-cookie'] = cookies;
      res.writeHead(response.status, out);
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'INTERNAL', message: 'internal error' } }));
    }
  };
}

/**
 * Start the results API and dashboard on 127.0.0.1 only, behind a per-run token.
 *
 * @example
 * ```ts
 * const api = await startApiServer({ client, registry, port: 8787 });
 * console.log(`dashboard: ${api.dashboardUrl}`);
 * await api.close();
 * ```
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const token = options.token ?? randomBytes(32).toString('hex');
  const app = createApi(options, { auth: localAuth(token) });
  return serveOnLoopback((request) => app.fetch(request), options.port ?? 8787, token);
}

/**
 * Serve a fetch handler on 127.0.0.1 only (port 0 picks a free one) and describe it: its URL,
 * the token, the dashboard address with the token, and how to close it.
 *
 * @example
 * ```ts
 * const server = await serveOnLoopback((req) => app.fetch(req), 0, token);
 * ```
 */
export async function serveOnLoopback(
  fetch: (request: Request) => Promise<Response> | Response,
  port: number,
  token: string,
): Promise<ApiServer> {
  const server: Server = createServer(nodeAdapter(fetch));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${bound}`;
  return {
    url,
    token,
    dashboardUrl: `${url}/?token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
