import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Celeriac as a user adopts it: `npm pack`, installed into a new app outside this repository,
// `celeriac init`, the app's own task, the local stack, a producer that imports only types, and
// `cdk synth` of the app's stack.
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};
const work = mkdtempSync(path.join(tmpdir(), 'celeriac-app-'));
const app = path.join(work, 'shop');
let dev: ChildProcess | undefined;
let devOutput = '';

const sh = (cmd: string, args: string[], cwd = app, env: NodeJS.ProcessEnv = {}) =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      ...env,
      npm_config_yes: 'true',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** Resolve once `dev` has printed a line matching `pattern` (its ready line), or fail if it exits. */
function waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = devOutput.match(pattern);
      if (m) {
        clearTimeout(timer);
        dev?.stdout?.off('data', check);
        resolve(m);
      }
    };
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${devOutput}`)),
      timeoutMs,
    );
    dev?.stdout?.on('data', check);
    dev?.once('exit', (code) => reject(new Error(`celeriac dev exited (${code}):\n${devOutput}`)));
    check();
  });
}

beforeAll(() => {
  const tarball = sh('npm', ['pack', '--silent', '--pack-destination', work], ROOT).trim().split('\n').pop()!;
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(
    path.join(app, 'package.json'),
    `${JSON.stringify({ name: 'shop', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  writeFileSync(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
      },
      include: ['src', 'cdk', 'producer.ts', 'celeriac.config.ts'],
    }),
  );
  const dev = (name: string) => `${name}@${pkg.devDependencies[name]}`;
  sh('npm', [
    'install',
    // From npm's cache only (filled by test/setup/package-cache.sh): a test talks to loopback only.
    '--offline',
    '--no-audit',
    path.join(work, tarball),
    dev('aws-cdk'),
    dev('aws-cdk-lib'),
    dev('constructs'),
    dev('typescript'),
    dev('@types/node'),
  ]);
}, 600_000);

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    const exited = new Promise((r) => dev?.once('exit', r));
    dev.kill('SIGINT'); // celeriac dev stops its app host and servers
    const force = setTimeout(() => dev?.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(force);
  }
  rmSync(work, { recursive: true, force: true });
});

describe('an app that installs the packed package', () => {
  it('the package ships built JavaScript and types, not TypeScript sources', () => {
    const installed = path.join(app, 'node_modules', 'celeriac');
    expect(existsSync(path.join(installed, 'dist', 'runtime', 'index.js'))).toBe(true);
    expect(existsSync(path.join(installed, 'dist', 'runtime', 'index.d.ts'))).toBe(true);
    expect(existsSync(path.join(installed, 'runtime'))).toBe(false);
    expect(existsSync(path.join(installed, 'tasks'))).toBe(false);
  });

  it('celeriac init creates the config, a registry with one task, entries, a CDK app and scripts', () => {
    const out = sh('npx', ['celeriac', 'init']);
    expect(out).toContain('created celeriac.config.ts');
    for (const f of [
      'celeriac.config.ts',
      'tasks/index.ts',
      'tasks/worker.ts',
      'tasks/api.ts',
      'cdk/app.ts',
      'cdk.json',
    ]) {
      expect(existsSync(path.join(app, f)), f).toBe(true);
    }
    expect(JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8')).scripts).toMatchObject({
      dev: 'celeriac dev',
      deploy: 'cdk deploy',
    });
  });

  it('celeriac init refuses to overwrite, and writes nothing', () => {
    const before = readFileSync(path.join(app, 'tasks', 'index.ts'), 'utf8');
    let stderr = '';
    try {
      sh('npx', ['celeriac', 'init']);
    } catch (err) {
      stderr = String((err as { stderr?: string }).stderr);
    }
    expect(stderr).toMatch(/init writes nothing: these files exist already: celeriac\.config\.ts/);
    expect(readFileSync(path.join(app, 'tasks', 'index.ts'), 'utf8')).toBe(before);
  });

  it("the app's own task, typed producer code that imports only types, and a clean typecheck", () => {
    writeFileSync(
      path.join(app, 'tasks', 'resize.ts'),
      `import { task } from 'celeriac';
export const resize = task('images.resize', {}, ({ key, width }: { key: string; width: number }) => ({
  key: \`\${key}@\${width}w\`,
  width,
}));
`,
    );
    const index = readFileSync(path.join(app, 'tasks', 'index.ts'), 'utf8')
      .replace(
        "import { hello } from './hello.js';",
        "import { hello } from './hello.js';\nimport { resize } from './resize.js';",
      )
      .replace('tasks: [hello]', 'tasks: [hello, resize]');
    writeFileSync(path.join(app, 'tasks', 'index.ts'), index);
    writeFileSync(
      path.join(app, 'producer.ts'),
      `import { enqueueByName } from 'celeriac';
import type { resize } from './tasks/resize.js';

// A producer: it names the task and imports its type only, so none of the worker's code comes along.
const handle = await enqueueByName<typeof resize>('images.resize', { key: 'cat.jpg', width: 640 });
const out: { key: string; width: number } = await handle.result({ timeout: '30s' });
console.log(JSON.stringify(out));
`,
    );
    sh('npx', ['tsc', '-p', '.']);
    writeFileSync(
      path.join(app, 'wrong.ts'),
      "import type { resize } from './tasks/resize.js';\nimport { enqueueByName } from 'celeriac';\nawait enqueueByName<typeof resize>('images.resize', { key: 1 });\n",
    );
    expect(() =>
      sh('npx', [
        'tsc',
        '--noEmit',
        '--strict',
        '--module',
        'NodeNext',
        '--moduleResolution',
        'NodeNext',
        '--target',
        'ES2022',
        '--skipLibCheck',
        'wrong.ts',
      ]),
    ).toThrow();
    rmSync(path.join(app, 'wrong.ts'));
  });

  it('celeriac dev runs the app; the producer enqueues by name and reads the typed result', async () => {
    // The installed bin itself (not through npx, whose wrapper would not pass Ctrl-C on).
    dev = spawn(path.join(app, 'node_modules', '.bin', 'celeriac'), ['dev'], {
      cwd: app,
      env: { ...process.env, CELERIAC_API_PORT: '0', CELERIAC_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    dev.stdout?.on('data', (d: Buffer) => {
      devOutput += d.toString();
    });
    dev.stderr?.on('data', (d: Buffer) => {
      devOutput += d.toString();
    });
    await waitForOutput(/celeriac dev: ready in/, 120_000);
    const out = sh('npx', ['tsx', 'producer.ts'], app, { CELERIAC_CONFIG_FILE: '.celeriac/local.json' });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ key: 'cat.jpg@640w', width: 640 });
    const ls = JSON.parse(sh('npx', ['celeriac', '--json', 'ls', '--task', 'images.resize'])) as {
      items: { task: string; state: string }[];
    };
    expect(ls.items).toEqual([expect.objectContaining({ task: 'images.resize', state: 'SUCCESS' })]);
  }, 240_000);

  it("cdk synth bundles the app's task into the worker asset, and none of this repository's examples", () => {
    sh('npx', ['cdk', 'synth', '--quiet']);
    const out = path.join(app, 'cdk.out');
    const assets = readdirSync(out).filter((d) => d.startsWith('asset.'));
    const bundles = assets
      .map((d) => path.join(out, d, 'index.mjs'))
      .filter(existsSync)
      .map((f) => readFileSync(f, 'utf8'));
    const worker = bundles.find((b) => b.includes('images.resize') && !b.includes('createApiHandler'));
    expect(worker, 'a worker bundle with the app task').toBeDefined();
    expect(bundles.some((b) => b.includes('examples.'))).toBe(false);
    const template = JSON.parse(readFileSync(path.join(out, 'ShopTasks.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types).toEqual(
      expect.arrayContaining(['AWS::SQS::Queue', 'AWS::Lambda::Function', 'AWS::DynamoDB::Table']),
    );
  }, 300_000);
});
