/** One fenced ```ts block of a Markdown file. */
export interface CodeBlock {
  /** The Markdown file, relative to the repository root (`docs/canvas.md`). */
  readonly doc: string;
  /** 1-based position among the file's ```ts blocks. */
  readonly index: number;
  /** 1-based line in the Markdown file of the block's first code line (the one after the fence). */
  readonly line: number;
  /** The code, without the fences. */
  readonly code: string;
}

/** Any fenced block: its opening fence, language (lower case, `''` for none) and body. */
interface Fenced {
  readonly fence: string;
  readonly lang: string;
  /** 1-based line of the opening fence. */
  readonly fenceLine: number;
  readonly body: string[];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;
/** Fence languages that are TypeScript and must compile. */
const TYPESCRIPT = new Set(['ts', 'typescript', 'tsx', 'mts']);
/** Fence languages that are not code to compile: shell sessions, JSON, program output (no language). */
const NOT_TYPESCRIPT = new Set(['sh', 'bash', 'shell', 'json', 'text', '']);

/**
 * Every fenced block of a Markdown text. A block closes at the next bare fence of the same
 * character and at least the same length, as CommonMark says; an unclosed block runs to the end
 * of the file (and is still returned, so a missing fence cannot hide code).
 */
function fencedBlocks(markdown: string): Fenced[] {
  const blocks: Fenced[] = [];
  let open: Fenced | undefined;
  markdown.split(/\r?\n/).forEach((text, i) => {
    const m = FENCE.exec(text);
    if (open === undefined) {
      if (m) open = { fence: m[2]!, lang: m[3]!.toLowerCase(), fenceLine: i + 1, body: [] };
      return;
    }
    const closes =
      m !== null && m[3] === '' && m[2]![0] === open.fence[0] && m[2]!.length >= open.fence.length;
    if (closes) {
      blocks.push(open);
      open = undefined;
    } else {
      open.body.push(text);
    }
  });
  if (open !== undefined) blocks.push(open);
  return blocks;
}

/**
 * Every ```ts (or ```typescript) block of a Markdown text, in order.
 *
 * @example
 * ```ts
 * extractTsBlocks('docs/x.md', '# X\n```ts\nconst a = 1;\n```\n'); // [{ doc, index: 1, line: 3, code: 'const a = 1;' }]
 * ```
 */
export function extractTsBlocks(doc: string, markdown: string): CodeBlock[] {
  return extractBlocks(doc, markdown, TYPESCRIPT);
}

/**
 * Every ```json block of a Markdown text, in order (numbered among the JSON blocks).
 *
 * @example
 * ```ts
 * extractJsonBlocks('docs/x.md', '```json\n{ "a": 1 }\n```\n'); // [{ doc, index: 1, line: 2, code: '{ "a": 1 }' }]
 * ```
 */
export function extractJsonBlocks(doc: string, markdown: string): CodeBlock[] {
  return extractBlocks(doc, markdown, new Set(['json']));
}

function extractBlocks(doc: string, markdown: string, langs: ReadonlySet<string>): CodeBlock[] {
  return fencedBlocks(markdown)
    .filter((b) => langs.has(b.lang))
    .map((b, i) => ({ doc, index: i + 1, line: b.fenceLine + 1, code: b.body.join('\n') }));
}

/**
 * Fences whose language is neither TypeScript nor a known non-code language (`js`, `javascript`,
 * a typo such as `tsx2`): a block there would escape the typecheck, so the test refuses it.
 *
 * @example
 * ```ts
 * uncheckedFences('docs/x.md', '```js\nconst a = 1;\n```\n'); // ['docs/x.md line 1: ```js']
 * ```
 */
export function uncheckedFences(doc: string, markdown: string): string[] {
  return fencedBlocks(markdown)
    .filter((b) => !TYPESCRIPT.has(b.lang) && !NOT_TYPESCRIPT.has(b.lang))
    .map((b) => `${doc} line ${b.fenceLine}: ${b.fence}${b.lang}`);
}
