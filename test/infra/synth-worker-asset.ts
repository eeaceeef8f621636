import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cdkJsonContext, ROOT } from './fixtures.js';

/** The synthesized app and the worker bundle CDK would upload. */
export interface SynthesizedWorker {
  /** The cloud assembly directory. */
  readonly outdir: string;
  /** The stack's template (parsed). */
  readonly template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  /** Absolute path of the worker bundle's entry file (`index.mjs`). */
  readonly file: string;
  /** Its size in bytes. */
  readonly bytes: number;
  /** The worker functions' `Handler` (`index.handler`). */
  readonly handler: string;
}

/**
 * Synthesize the real app — exactly what `cdk.json` runs (`tsx infra/app.ts`), with esbuild
 * bundling, no Docker, no AWS account — into a temporary assembly, and return the worker
 * asset. Every worker function shares this one asset. Takes a few seconds.
 *
 * @example
 * ```ts
 * const { file } = synthWorkerAsset();
 * const { handler } = await import(pathToFileURL(file).href);
 * ```
 */
export function synthWorkerAsset(context: Record<string, string> = {}): SynthesizedWorker {
  const outdir = mkdtempSync(path.join(tmpdir(), 'celeriac-synth-'));
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'infra', 'app.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), ...context }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stackName = context.stackName ?? 'Celeriac';
  const template = JSON.parse(readFileSync(path.join(outdir, `${stackName}.template.json`), 'utf8'));
  // The workers (the results API is a function too, with its own asset).
  const functions = Object.values(template.Resources as SynthesizedWorker['template']['Resources']).filter(
    (r) =>
      r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description).startsWith('Celeriac worker'),
  );
  const keys = new Set(functions.map((f) => (f.Properties.Code as { S3Key: string }).S3Key));
  if (keys.size !== 1) throw new Error(`expected one shared worker asset, found ${[...keys].join(', ')}`);
  const hash = [...keys][0]!.replace(/\.zip$/, '');
  const file = path.join(outdir, `asset.${hash}`, 'index.mjs');
  if (!existsSync(file)) throw new Error(`worker bundle not found at ${file}`);
  return {
    outdir,
    template,
    file,
    bytes: statSync(file).size,
    handler: String(functions[0]!.Properties.Handler),
  };
}
