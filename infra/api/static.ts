import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

/** Environment variable naming the dashboard's folder (the Lambda bundle sets it). */
export const DASHBOARD_DIR_ENV = 'CELERIAC_DASHBOARD_DIR';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Strict: the dashboard is same-origin files only; no inline script, no third parties. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
} as const;

/** The dashboard folder: `$CELERIAC_DASHBOARD_DIR`, `../dashboard` from here (source) or `./dashboard` (bundle). */
export function dashboardDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [process.env[DASHBOARD_DIR_ENV], join(here, '..', 'dashboard'), join(here, 'dashboard')];
  return candidates.find((dir): dir is string => !!dir && existsSync(join(dir, 'index.html')));
}

/**
 * Serve the dashboard's static files at `/` and `/assets/*`, read on first request and cached.
 *
 * @example
 * ```ts
 * serveDashboard(app);
 * ```
 */
export function serveDashboard(app: Hono): void {
  const cache = new Map<string, string>();
  const read = (relative: string): string | undefined => {
    const dir = dashboardDir();
    if (!dir) return undefined;
    const file = normalize(join(dir, relative));
    if (!file.startsWith(dir + sep) || !TYPES[extname(file)] || !existsSync(file)) return undefined;
    let text = cache.get(file);
    if (text === undefined) {
      text = readFileSync(file, 'utf8');
      cache.set(file, text);
    }
    return text;
  };
  const send = (relative: string) => {
    const text = read(relative);
    if (text === undefined) return undefined;
    return new Response(text, {
      headers: { 'content-type': TYPES[extname(relative)]!, ...SECURITY_HEADERS },
    });
  };
  app.get('/', (c) => send('index.html') ?? c.text('dashboard files not found', 404));
  app.get('/assets/*', (c) => send(c.req.path.slice('/assets/'.length)) ?? c.notFound());
}
