/** Methods that change nothing: never refused as cross-site. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * True when a `content-type` header names exactly `application/json` (parameters such as
 * `charset` allowed). `text/plain; charset=application/json`, which a page on any origin may
 * send without a CORS preflight, is not JSON.
 *
 * @example
 * ```ts
 * isJsonContentType('application/json; charset=utf-8'); // true
 * isJsonContentType('text/plain; charset=application/json'); // false
 * ```
 */
export function isJsonContentType(header: string | undefined): boolean {
  return (header ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** What {@link crossSiteRefusal} reads from a request. */
export interface MutationRequest {
  readonly method: string;
  /** The `Host` header. */
  readonly host: string;
  readonly header: (name: string) => string | undefined;
  /** The request carries the token in a header (`Authorization: Bearer …`), not a cookie. */
  readonly tokenHeader: boolean;
}

/**
 * Why a state-changing request looks like cross-site request forgery, or `undefined` when it
 * may proceed. Cookies on loopback are shared by every port (SameSite does not separate
 * them), so a page served from any other local port could otherwise revoke, purge or enqueue:
 * - `Sec-Fetch-Site` (sent by current browsers) must be `same-origin` (or `none`: typed by the user);
 * - without it, an `Origin` header must be this server's own origin (the address the browser
 *   used: `X-Forwarded-Host` from `celeriac dev`'s proxy, else `Host`);
 * - the body must be sent as `application/json` (a page on another origin cannot send that
 *   without a CORS preflight, which these servers never grant), unless the token travels in a
 *   header, which another page cannot know.
 *
 * @example
 * ```ts
 * const why = crossSiteRefusal({ method: 'POST', host, header: (n) => c.req.header(n), tokenHeader: false });
 * if (why) return c.json({ error: { code: 'FORBIDDEN', message: why } }, 403);
 * ```
 */
export function crossSiteRefusal(req: MutationRequest): string | undefined {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return undefined;
  const site = req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `cross-site request refused (Sec-Fetch-Site: ${site}): changes are accepted from this server's own pages only`;
  }
  const origin = req.header('origin');
  // Behind `celeriac dev`'s loopback proxy the Host is the app host's; the proxy names the
  // address the browser used. A page cannot set this header without a CORS preflight.
  const own = req.header('x-forwarded-host') ?? req.host;
  if (site === undefined && origin !== undefined && origin !== `http://${own}`) {
    return `cross-origin request refused (Origin: ${origin.slice(0, 100)}): changes are accepted from this server's own pages only`;
  }
  if (!req.tokenHeader && !isJsonContentType(req.header('content-type'))) {
    return 'changes need a JSON body sent as content-type: application/json (or the token in an Authorization header)';
  }
  return undefined;
}
