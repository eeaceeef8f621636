import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type CodeBlock, extractTsBlocks } from './extract.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** The reader's app that doc examples import (`./tasks/images.js`…), copied beside the generated modules. */
const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** One compiler error, placed in the Markdown file it came from. */
export interface DocError {
  readonly doc: string;
  readonly block: number;
  /** Line and column in the Markdown file. */
  readonly line: number;
  readonly column: number;
  /** `TS2304: Cannot find name 'x'.` (with any continuation lines). */
  readonly message: string;
}

/** The outcome of one compile of all blocks. */
export interface DocCheck {
  readonly blocks: readonly CodeBlock[];
  readonly errors: readonly DocError[];
  /** Compiler output that names no generated module (a broken fixture or config): never expected. */
  readonly other: readonly string[];
  /** Where the modules were written. */
  readonly dir: string;
}

/** README.md and every docs/*.md of the repository, relative to its root. */
export function repositoryDocs(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** The generated module of a block: `docs/canvas.md` block 2 → `docs.canvas.md.2.ts`. */
export function moduleName(block: CodeBlock): string {
  return `${block.doc.replace(/[\\/]/g, '.')}.${block.index}.ts`;
}

/**
 * Write every ```ts block of `docs` (paths relative to `base`) as its own ES module under
 * test/artifacts/doc-examples/, beside a copy of the fixtures, and typecheck them all with one
 * run of the repository's `tsc`, through a tsconfig extending the root one (so `celeriac` and
 * its subpaths resolve to the sources). Each module holds the block's lines unchanged, followed
 * by `export {}` (so a block without imports is still a module with its own scope), which keeps
 * module line N = Markdown line `block.line + N - 1`.
 */
export function typecheckDocs(docs: readonly string[], base: string = ROOT): DocCheck {
  const parent = path.join(ROOT, 'test', 'artifacts', 'doc-examples');
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, 'run-'));
  cpSync(FIXTURES, dir, { recursive: true, filter: (src) => !src.endsWith('.md') });
  const blocks = docs.flatMap((doc) => extractTsBlocks(doc, readFileSync(path.join(base, doc), 'utf8')));
  const byModule = new Map<string, CodeBlock>();
  for (const block of blocks) {
    const name = moduleName(block);
    byModule.set(name, block);
    writeFileSync(path.join(dir, name), `${block.code}\nexport {};\n`);
  }
  const tsconfig = {
    extends: path.relative(dir, path.join(ROOT, 'tsconfig.json')),
    compilerOptions: { noEmit: true },
    include: ['**/*.ts'],
    exclude: [],
  };
  writeFileSync(path.join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const run = spawnSync(process.execPath, [TSC, '-p', dir, '--pretty', 'false'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (run.error) throw run.error;
  const { errors, other } = parseDiagnostics(`${run.stdout}${run.stderr}`, dir, byModule);
  if (run.status !== 0 && errors.length === 0 && other.length === 0) {
    other.push(`tsc exited with ${run.status} and printed nothing`);
  }
  return { blocks, errors, other, dir };
}

const DIAGNOSTIC = /^(.+?)\((\d+),(\d+)\): error (TS\d+: .*)$/;

/** Map `file(line,col): error TSnnnn: …` lines back to their Markdown file, block and line. */
function parseDiagnostics(
  output: string,
  dir: string,
  byModule: ReadonlyMap<string, CodeBlock>,
): { errors: DocError[]; other: string[] } {
  const errors: DocError[] = [];
  const other: string[] = [];
  let last: { message: string } | undefined; // the error an indented line elaborates on
  for (const text of output.split(/\r?\n/)) {
    if (text.trim() === '') continue;
    const m = DIAGNOSTIC.exec(text);
    if (!m) {
      if (last && /^\s/.test(text)) last.message += `\n${text}`;
      else other.push(text);
      continue;
    }
    const file = path.resolve(ROOT, m[1]!);
    const block = path.dirname(file) === dir ? byModule.get(path.basename(file)) : undefined;
    if (!block) {
      last = undefined;
      other.push(text);
      continue;
    }
    const error = {
      doc: block.doc,
      block: block.index,
      line: block.line + Number(m[2]) - 1,
      column: Number(m[3]),
      message: m[4]!,
    };
    errors.push(error);
    last = error;
  }
  return { errors, other };
}

/** One line per error: `docs/canvas.md block 2, line 71:5: TS2304: Cannot find name 'mul'.` */
export function formatErrors(check: DocCheck): string {
  return [
    ...check.errors.map((e) => `${e.doc} block ${e.block}, line ${e.line}:${e.column}: ${e.message}`),
    ...check.other,
  ].join('\n');
}
