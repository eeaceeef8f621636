// Runs the whole vitest suite and ends with one plain line: "Tests: N passed, N failed[, N skipped] in S s",
// followed by "— FAILED: …" whenever vitest itself failed (a file that did not load, an error outside
// any test, a report never written), so the line never claims a pass it did not see.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

mkdirSync('test/artifacts', { recursive: true });
const out = 'test/artifacts/vitest-results.json';
// A report left by an earlier run must not be read as this run's.
rmSync(out, { force: true });
const started = Date.now();
const run = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
);
const seconds = Math.round((Date.now() - started) / 1000);
const exit = run.status ?? run.signal ?? 'unknown';

let report;
try {
  report = JSON.parse(readFileSync(out, 'utf8'));
} catch {
  // vitest did not write its report: it failed before (or while) running the tests.
}

let summary;
if (!report) {
  summary = `Tests: no report in ${seconds} s — FAILED: vitest exited with ${exit} before writing its results`;
} else {
  const skipped = report.numPendingTests + report.numTodoTests;
  summary = `Tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''} in ${seconds} s`;
  if (run.status !== 0 || !report.success) {
    const files = report.numFailedTestSuites ? `, ${report.numFailedTestSuites} test file(s) failed` : '';
    summary += ` — FAILED: vitest exited with ${exit}${files}`;
  }
}
console.log(summary);
process.exit(run.status ?? 1);
