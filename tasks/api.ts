import { createApiHandler } from 'celeriac/api';
import { registry } from './index.js';

/** The results API Lambda's entry point (the `api` entry of celeriac.config.ts). */
export const handler = createApiHandler({ registry });
