/**
 * The results API and dashboard: a Lambda handler factory for the app's `api` entry, and the
 * Hono app itself for other hosts.
 *
 * @example
 * ```ts
 * import { createApiHandler } from 'celeriac/api';
 * export const handler = createApiHandler({ registry });
 * ```
 * @packageDocumentation
 */
export { type ApiOptions, createApi } from './app.js';
export type { ApiDeps } from './context.js';
export { type ApiHandlerOptions, createApiHandler } from './handler.js';
export { type ApiServer, type ApiServerOptions, startApiServer } from './node-server.js';
