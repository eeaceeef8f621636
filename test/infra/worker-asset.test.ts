import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './fixtures.js';
import { type SynthesizedWorker, synthWorkerAsset } from './synth-worker-asset.js';

/** Worker bundle budget (minified ESM with the SDK v3 clients inside). */
const BUNDLE_BUDGET_BYTES = 1_000_000;
/** Its source map (mappings only, no sources inside): read at cold start only when a stack is mapped. */
const SOURCE_MAP_BUDGET_BYTES = 1_500_000;

// The one place in the infra suite where esbuild really bundles the worker.
let synth: SynthesizedWorker;
beforeAll(() => {
  synth = synthWorkerAsset({ prefix: 'shop', removalPolicy: 'destroy', alarmEmail: 'ops@example.com' });
});
afterAll(() => rmSync(synth.outdir, { recursive: true, force: true }));

const resourcesOf = (type: string) => Object.values(synth.template.Resources).filter((r) => r.Type === type);

describe('the app cdk.json runs (tsx infra/app.ts), offline, no Docker, no account', () => {
  it('synthesizes one environment-agnostic stack with context applied (prefix, removalPolicy, alarmEmail)', () => {
    const manifest = JSON.parse(readFileSync(path.join(synth.outdir, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts.Celeriac.environment).toBe('aws://unknown-account/unknown-region');
    const names = resourcesOf('AWS::SQS::Queue').map((q) => q.Properties.QueueName);
    expect(names).toEqual(
      expect.arrayContaining(['shop-high', 'shop-high-dlq', 'shop-default', 'shop-low-dlq']),
    );
    const tables = Object.values(synth.template.Resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');
    expect(tables.map((t) => (t as unknown as { DeletionPolicy: string }).DeletionPolicy)).toEqual([
      'Delete',
    ]);
    expect(resourcesOf('AWS::SNS::Subscription')[0]?.Properties).toMatchObject({
      Endpoint: 'ops@example.com',
    });
  });
});

describe('the app also ships the results API and beat', () => {
  it('the API has its own bundled asset with the dashboard beside it, and the CeleriacApiUrl output', () => {
    const template = JSON.parse(readFileSync(path.join(synth.outdir, 'Celeriac.template.json'), 'utf8'));
    expect(template.Outputs.CeleriacApiUrl.Value['Fn::GetAtt'][1]).toBe('FunctionUrl');
    const api = resourcesOf('AWS::Lambda::Function').find((f) =>
      String(f.Properties.Description).includes('results API'),
    );
    expect(api, 'the results API function').toBeDefined();
    const key = (api!.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
    expect(readdirSync(path.join(synth.outdir, `asset.${key}`))).toEqual(
      expect.arrayContaining(['index.mjs', 'dashboard']),
    );
  });

  it('the beat schedule of tasks/index.ts is named with the context prefix', () => {
    expect(resourcesOf('AWS::Scheduler::Schedule').map((s) => s.Properties.Name)).toEqual([
      'shop-nightly-primes',
    ]);
  });
});

describe('the synthesized worker asset', () => {
  it('is one minified ESM file with the AWS SDK clients bundled in, and its source map beside it', () => {
    const source = readFileSync(synth.file, 'utf8');
    const mapFile = `${synth.file}.map`;
    const mapBytes = statSync(mapFile).size;
    console.log(
      `worker bundle: ${synth.file} (${synth.bytes} bytes, budget ${BUNDLE_BUDGET_BYTES}); source map ${mapBytes} bytes (budget ${SOURCE_MAP_BUDGET_BYTES})`,
    );
    expect(readdirSync(path.dirname(synth.file)).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    expect(synth.bytes).toBeLessThan(BUNDLE_BUDGET_BYTES);
    expect(mapBytes).toBeLessThan(SOURCE_MAP_BUDGET_BYTES);
    // Every module it imports is a Node built-in: the SDK clients and runtime/ are inside.
    const imported = [...source.matchAll(/(?:\bfrom ?|\bimport\()["']([^"' ]+)["']/g)].map((m) => m[1]!);
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((m) => !m.startsWith('node:'))).toEqual([]);
    expect(source.includes('SendMessageBatch')).toBe(true);
    expect(source.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
    const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[]; sourcesContent?: unknown };
    expect(map.sources.some((s) => s.endsWith('runtime/worker/handler.ts'))).toBe(true);
    expect(map.sourcesContent).toBeUndefined();
    expect(synth.handler).toBe('index.handler');
  });

  it('with --enable-source-maps (as the workers run), a stack trace names the TypeScript file and line', () => {
    const script = `
      const m = await import(process.env.ASSET_URL);
      try {
        await m.handler({ Records: [] }, { awsRequestId: 'r-1', getRemainingTimeInMillis: () => 60000 });
        console.log('no error');
      } catch (err) {
        console.log(err.stack);
      }`;
    // No CELERIAC_CONFIG: the worker throws CONFIG_MISSING from runtime/config.ts.
    const stdout = execFileSync(
      process.execPath,
      ['--enable-source-maps', '--input-type=module', '-e', script],
      {
        env: { PATH: process.env.PATH, ASSET_URL: pathToFileURL(synth.file).href },
        encoding: 'utf8',
      },
    );
    expect(stdout).toMatch(/at loadConfig \(.*runtime\/config\.ts:\d+:\d+\)/);
    expect(stdout).toMatch(/runtime\/worker\/handler\.ts:\d+/);
  });

  it('loads in plain Node outside the repo (no node_modules reachable), exports handler, answers an SQS event', () => {
    expect(path.relative(ROOT, synth.file).startsWith('..')).toBe(true);
    const script = `
      const m = await import(process.env.ASSET_URL);
      const out = typeof m.handler === 'function'
        ? await m.handler({ Records: [] }, { awsRequestId: 'r-1', getRemainingTimeInMillis: () => 60000 })
        : null;
      console.log(JSON.stringify({ exports: Object.keys(m), handler: typeof m.handler, out }));`;
    const config = {
      region: 'us-east-1',
      table: 'shop-results',
      queues: {
        default: {
          url: 'http://127.0.0.1:9/1/shop-default',
          dlqUrl: 'http://127.0.0.1:9/1/shop-default-dlq',
        },
      },
    };
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH,
        ASSET_URL: pathToFileURL(synth.file).href,
        CELERIAC_CONFIG: JSON.stringify(config),
      },
      encoding: 'utf8',
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(result).toEqual({ exports: ['handler'], handler: 'function', out: { batchItemFailures: [] } });
  });
});
