import { createRegistry } from '../runtime/index.js';
import {
  countPrimes,
  doomed,
  fetchPage,
  flaky,
  noop,
  pollUntilReady,
  rejectOrder,
  sendWelcome,
  sleepy,
} from './examples.js';

/**
 * The application's registry: every task and queue, listed explicitly.
 * Replace the examples with your own tasks.
 */
export const registry = createRegistry({
  app: 'celeriac',
  queues: {
    high: { maxConcurrency: 20, timeout: '1m' },
    default: { maxConcurrency: 10, timeout: '2m' },
    low: { maxConcurrency: 2, timeout: '5m', memoryMb: 1024 },
  },
  tasks: [fetchPage, countPrimes, flaky, doomed, rejectOrder, pollUntilReady, sendWelcome, sleepy, noop],
});

export * from './examples.js';
