import type { ApiServer } from '../api/node-server.js';
import { serveOnLoopback } from '../api/node-server.js';

/** A stable local address in front of the API of whichever app host is current. */
export interface ApiProxy extends ApiServer {
  /** Send requests to this API from now on (the new app host after a reload). */
  setTarget(url: string | undefined): void;
}

// Hop-by-hop and re-computed headers that must not be copied between the two connections.
const DROP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding']);

/**
 * `celeriac dev`'s API address: it stays the same while the app host behind it is replaced on
 * every reload, so the dashboard, the CLI and `.celeriac/local.json` never see a new port.
 * Loopback only; the app host checks the token.
 *
 * @throws Error with code `EADDRINUSE` when the port is taken.
 * @example
 * ```ts
 * const proxy = await startApiProxy(8787, token);
 * proxy.setTarget(host.apiUrl);
 * ```
 */
export async function startApiProxy(port: number, token: string): Promise<ApiProxy> {
  let target: string | undefined;
  const server = await serveOnLoopback(
    async (request) => {
      if (!target) {
        return Response.json(
          { error: { code: 'RELOADING', message: 'the workers are (re)starting; try again in a moment' } },
          { status: 503, headers: { 'retry-after': '1' } },
        );
      }
      const url = new URL(request.url);
      const headers = new Headers();
      request.headers.forEach((value, key) => {
        if (!DROP.has(key)) headers.set(key, value);
      });
      // fetch() sends the target's Host: tell the app host which origin the browser used, so
      // its cross-site check compares a request's Origin with this address.
      headers.set('x-forwarded-host', url.host);
      const body =
        request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
      const upstream = await fetch(`${target}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        redirect: 'manual',
        ...(body ? { body } : {}),
      });
      const out = new Headers();
      upstream.headers.forEach((value, key) => {
        if (!DROP.has(key) && key !== 'set-cookie') out.set(key, value);
      });
      for (const cookie of upstream.headers.getSetCookie()) out.append('set-cookie', cookie);
      return new Response(await upstream.arrayBuffer(), { status: upstream.status, headers: out });
    },
    port,
    token,
  );
  return {
    ...server,
    setTarget(url) {
      target = url;
    },
  };
}
