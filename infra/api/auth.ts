import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { crossSiteRefusal } from './csrf.js';
import { ApiErrorCode } from './errors.js';

/** Cookie that carries the local API's token after the first `?token=` visit. */
export const TOKEN_COOKIE = 'celeriac_token';

/** Options of {@link localAuth}. */
export interface LocalAuthOptions {
  /**
   * Name of the cookie carrying the token. Servers on other loopback ports see each other's
   * cookies, so each kind of server uses its own name. @default {@link TOKEN_COOKIE}
   */
  readonly cookie?: string;
}

const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Local-only access control: requests must name a loopback host (no DNS rebinding) and
 * carry the run's token as `Authorization: Bearer …`, `?token=…` (which also sets an
 * HttpOnly, SameSite=Strict cookie and, for pages, redirects to drop it from the address)
 * or that cookie. Requests that change something must also pass {@link crossSiteRefusal}
 * (same origin, a JSON body or the token in a header): a page on another local port shares
 * the cookie but not the origin.
 *
 * @example
 * ```ts
 * app.use('*', localAuth(token));
 * ```
 */
export function localAuth(token: string, options: LocalAuthOptions = {}): MiddlewareHandler {
  const cookieName = options.cookie ?? TOKEN_COOKIE;
  return async (c, next) => {
    const host = c.req.header('host') ?? '';
    if (!LOOPBACK_HOST.test(host)) {
      return c.json(
        {
          error: {
            code: ApiErrorCode.FORBIDDEN,
            message: `host "${host}" refused: the local API answers loopback only`,
          },
        },
        403,
      );
    }
    const fromQuery = c.req.query('token');
    const header = c.req.header('authorization');
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const refused = crossSiteRefusal({
      method: c.req.method,
      host,
      header: (name) => c.req.header(name),
      tokenHeader: bearer !== undefined,
    });
    if (refused) return c.json({ error: { code: ApiErrorCode.FORBIDDEN, message: refused } }, 403);
    const given = fromQuery ?? bearer ?? getCookie(c, cookieName);
    if (!given || !same(given, token)) {
      const message = given
        ? 'wrong token: use the URL printed by `celeriac dev` (or `celeriac dashboard`)'
        : 'a token is required: use the URL printed by `celeriac dev`, or send Authorization: Bearer <token>';
      if (c.req.method === 'GET' && !c.req.path.startsWith('/api/')) {
        return c.html(
          `<!doctype html><meta charset="utf-8"><title>Celeriac</title><p style="font:16px system-ui;margin:3rem">${message}</p>`,
          401,
        );
      }
      return c.json({ error: { code: ApiErrorCode.UNAUTHORIZED, message } }, 401);
    }
    if (fromQuery) {
      setCookie(c, cookieName, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      if (c.req.method === 'GET' && !c.req.path.startsWith('/api/')) {
        const url = new URL(c.req.url);
        url.searchParams.delete('token');
        return c.redirect(`${url.pathname}${url.search}${url.hash}`, 303);
      }
    }
    await next();
  };
}
