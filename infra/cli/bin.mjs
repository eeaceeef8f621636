#!/usr/bin/env node
// The `celeriac` command: runs the TypeScript CLI through tsx (Node 20 cannot run .ts itself).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./main.ts');
process.exitCode = await runCli(process.argv);
