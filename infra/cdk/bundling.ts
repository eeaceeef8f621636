import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/** Keeps `require` working for CommonJS dependencies inside an ESM bundle. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __celeriacCreateRequire } from 'node:module'; const require = __celeriacCreateRequire(import.meta.url);";

/**
 * How every Celeriac function is bundled: ESM, minified, with an external source map of
 * mappings only (no sources inside, so it stays small; run with `--enable-source-maps`, stack
 * traces name the TypeScript files and lines), the AWS SDK v3 clients bundled too (a smaller,
 * tree-shaken cold start than the runtime's own copy), local esbuild only (no Docker).
 *
 * @example
 * ```ts
 * new nodejs.NodejsFunction(this, 'Resource', { entry, bundling: leanBundling() });
 * ```
 */
export function leanBundling(extra: Partial<nodejs.BundlingOptions> = {}): nodejs.BundlingOptions {
  return {
    format: nodejs.OutputFormat.ESM,
    minify: true,
    sourceMap: true,
    sourceMapMode: nodejs.SourceMapMode.DEFAULT,
    sourcesContent: false,
    externalModules: [],
    mainFields: ['module', 'main'],
    banner: ESM_REQUIRE_BANNER,
    forceDockerBundling: false,
    ...extra,
  };
}
