/** One fenced ```ts block of a Markdown file. */
export interface CodeBlock {
  /** The Markdown file, relative to the repository root (`docs/canvas.md`). */
  readonly doc: string;
  /** 1-based position among the file's ```ts blocks. */
  readonly index: number;
  /** 1-based line in the Markdown file of the block's first code line (the one after the fence). */
  readonly line: number;
  /** The code, without the fences, one entry per line. */
  readonly code: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;
/** Fence languages that are TypeScript and must compile. */
const TYPESCRIPT = new Set(['ts', 'typescript', 'tsx', 'mts']);

/**
 * Every ```ts (or ```typescript) block of a Markdown text, in order. A block closes at the next
 * fence of the same character and at least the same length, as CommonMark says; an unclosed block
 * runs to the end of the file (and is still checked, so a missing fence cannot hide code).
 *
 * @example
 * ```ts
 * extractTsBlocks('docs/x.md', '# X\n```ts\nconst a = 1;\n```\n'); // [{ doc, index: 1, line: 3, code: 'const a = 1;' }]
 * ```
 */
export function extractTsBlocks(doc: string, markdown: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  let open: { fence: string; lang: string; start: number; body: string[] } | undefined;
  lines.forEach((text, i) => {
    const m = FENCE.exec(text);
    if (open === undefined) {
      if (m) open = { fence: m[2]!, lang: m[3]!.toLowerCase(), start: i + 2, body: [] };
      return;
    }
    const closes =
      m !== null && m[3] === '' && m[2]![0] === open.fence[0] && m[2]!.length >= open.fence.length;
    if (!closes) {
      open.body.push(text);
      return;
    }
    if (TYPESCRIPT.has(open.lang)) push(open.start, open.body);
    open = undefined;
  });
  if (open !== undefined && TYPESCRIPT.has(open.lang)) push(open.start, open.body);
  return blocks;

  function push(line: number, body: string[]): void {
    blocks.push({ doc, index: blocks.length + 1, line, code: body.join('\n') });
  }
}
