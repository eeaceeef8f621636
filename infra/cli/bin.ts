#!/usr/bin/env node
// The `celeriac` command. The app's TypeScript (celeriac.config.ts, the registry) is loaded
// through tsx when a command needs it; the CLI itself is built JavaScript.
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv);
