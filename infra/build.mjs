// `npm run build`: the package's JavaScript and type declarations in dist/, plus the dashboard's
// static files beside the compiled API, and an executable `celeriac` bin.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
rmSync('dist', { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    require.resolve('typescript/package.json').replace(/package\.json$/, 'bin/tsc'),
    '-p',
    'tsconfig.build.json',
  ],
  {
    stdio: 'inherit',
  },
);
cpSync('infra/dashboard', 'dist/infra/dashboard', { recursive: true });
// DynamoDB Local's loopback-only launcher (compiled Java class, see its source).
cpSync('infra/local/java', 'dist/infra/local/java', { recursive: true });
chmodSync('dist/infra/cli/bin.js', 0o755);
