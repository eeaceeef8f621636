import { handle } from 'hono/aws-lambda';
import { CeleriacClient } from '../../runtime/index.js';
import { registry } from '../../tasks/index.js';
import { createApi } from './app.js';

/**
 * The results API and dashboard as a Lambda behind a Function URL with AWS_IAM auth: IAM
 * authenticates every request before it arrives here, so the app adds no auth of its own.
 * The config comes from `CELERIAC_CONFIG`, read on the first request (not at import).
 *
 * @example
 * ```ts
 * new nodejs.NodejsFunction(this, 'Api', { entry: 'infra/api/lambda.ts', handler: 'handler' });
 * ```
 */
export const handler = handle(createApi({ client: new CeleriacClient(), registry }));
