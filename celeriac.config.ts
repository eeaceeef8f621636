import { defineConfig } from 'celeriac/config';

/** This repository's example app: where its registry, worker and results API entries are. */
export default defineConfig({
  registry: './tasks/index.ts',
  worker: './tasks/worker.ts',
  api: './tasks/api.ts',
});
