import { createWorker } from 'celeriac';
import { registry } from './index.js';

/** The worker Lambda's entry point: `handler` drains every queue of the registry. */
export const handler = createWorker(registry);
