// Fails when package-lock.json has drifted from package.json: `npm install` would rewrite it, and
// `npm ci` on a fresh clone would refuse it. It re-resolves the lockfile in a scratch folder and
// compares; the working tree is never touched.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const scratch = mkdtempSync(path.join(tmpdir(), 'celeriac-lock-'));
try {
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(f, path.join(scratch, f));
  execFileSync(
    'npm',
    ['install', '--package-lock-only', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
    { cwd: scratch, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const before = readFileSync('package-lock.json', 'utf8');
  const after = readFileSync(path.join(scratch, 'package-lock.json'), 'utf8');
  if (before !== after) {
    console.error(
      'package-lock.json is out of date with package.json: `npm install` would rewrite it and `npm ci` would fail on a fresh clone. Run `npm install` and commit package-lock.json.',
    );
    process.exit(1);
  }
  console.log('package-lock.json matches package.json');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
