import { createRegistry, cron } from 'celeriac';
import {
  add,
  countPrimes,
  doomed,
  fetchPage,
  flaky,
  mul,
  noop,
  pollUntilReady,
  rejectOrder,
  sendWelcome,
  sleepy,
  xsum,
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
  tasks: [
    fetchPage,
    countPrimes,
    flaky,
    doomed,
    rejectOrder,
    pollUntilReady,
    sendWelcome,
    sleepy,
    noop,
    add,
    mul,
    xsum,
  ],
  schedules: [cron('0 3 * * *', countPrimes, { name: 'nightly-primes', args: { limit: 100_000 } })],
});
