/**
 * Builds the merchant console (web/console, React and Ant Design), in memory,
 * split by page: an entry (the sign-in pages and what every page shares at
 * start) and a chunk per page, which the console imports (`import()`) when a
 * member opens that page, with the chunks several pages share (ECharts' core,
 * Ant Design's tables) in chunks of their own. Every file is named by a hash
 * of its content (esbuild's, which also covers the chunks it imports), so the
 * server may cache them for good. Sizes are printed so the weight is seen:
 * `node web/console-build.ts`.
 *
 * Ant Design's component styles come built (antd/dist/antd.css, imported
 * by console.css, in the entry's stylesheet: its zero-runtime mode), so no
 * component's style is computed in the browser; only the theme's CSS
 * variables are written at run time, as style elements the page's
 * Content-Security-Policy allows by a nonce. Never inline scripts, and
 * scripts (chunks included) from this origin only.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import { build, type Metafile, type Plugin } from 'esbuild';
import type { WebAsset } from './build.ts';

export interface ConsoleAssets {
  /** Every file the console may load, by the name it is served under. */
  files: Map<string, WebAsset>;
  entry: { js: string; css: string };
  /** The first script (web/console/boot.ts): a few KiB that ask for the session and the overview's figures while the entry loads. */
  boot: string;
  /** The chunks the entry imports statically: preloaded by the page so they load alongside the entry, not after it. */
  entryImports: string[];
  /** The sign-in pages' chunks that the entry does not bring (a visit without a session loads them). */
  signIn: { files: string[]; gzippedBytes: number };
  /** The signed-in shell's chunks that the entry does not bring. */
  shell: { files: string[]; gzippedBytes: number };
  /** Each page's own chunk and the chunks it imports that neither the entry nor the shell brings, its charts' ECharts included, gzipped (what opening it first loads besides). */
  pages: { page: string; files: string[]; gzippedBytes: number }[];
  entryGzippedBytes: number;
  rawBytes: number;
  gzippedBytes: number;
}

const webDir = path.dirname(fileURLToPath(import.meta.url));
const contentTypes = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' } as const;
/** The names esbuild gives (`[name].[hash]`): what the server agrees to serve. */
export const consoleAssetNamePattern = /^[a-z][a-z0-9-]*\.[A-Z0-9]{8}\.(js|css)$/;

export async function buildConsoleAssets(): Promise<ConsoleAssets> {
  const outdir = path.join(webDir, 'dist', 'console');
  const result = await build({
    entryPoints: [
      { in: path.join(webDir, 'console', 'main.tsx'), out: 'console' },
      { in: path.join(webDir, 'console', 'boot.ts'), out: 'boot' },
      { in: path.join(webDir, 'console', 'console.css'), out: 'console' },
    ],
    outdir,
    entryNames: '[name].[hash]',
    chunkNames: 'shared.[hash]',
    write: false,
    bundle: true,
    splitting: true,
    metafile: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    charset: 'utf8',
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    external: [],
    plugins: [antdByModule(await antdModules())],
  });
  const files = new Map<string, WebAsset>();
  let rawBytes = 0;
  let gzippedBytes = 0;
  for (const output of result.outputFiles) {
    const name = path.basename(output.path);
    const extension = path.extname(name).slice(1);
    if ((extension !== 'js' && extension !== 'css') || !consoleAssetNamePattern.test(name) || files.has(name)) throw new Error(`unexpected console build output ${output.path}`);
    const body = Buffer.from(output.contents);
    const gzip = gzipSync(body, { level: zlibConstants.Z_BEST_COMPRESSION });
    files.set(name, { body, gzip, contentType: contentTypes[extension] });
    rawBytes += body.length;
    gzippedBytes += gzip.length;
  }
  const graph = outputGraph(result.metafile, outdir);
  const entryJs = graph.find((output) => output.entryPoint === 'web/console/main.tsx')?.name;
  const entryCss = graph.find((output) => output.entryPoint === 'web/console/console.css')?.name;
  const bootJs = graph.find((output) => output.entryPoint === 'web/console/boot.ts')?.name;
  if (!entryJs || !entryCss || !bootJs) throw new Error('the console build produced no JavaScript or no CSS entry, or no first script');
  const staticClosure = (name: string): Set<string> => {
    const seen = new Set<string>();
    const visit = (current: string) => {
      if (seen.has(current)) return;
      seen.add(current);
      for (const imported of graph.find((output) => output.name === current)?.staticImports ?? []) visit(imported);
    };
    visit(name);
    return seen;
  };
  const entryClosure = staticClosure(entryJs);
  const gzipOf = (names: Iterable<string>) => [...names].reduce((sum, name) => sum + (files.get(name)?.gzip.length ?? 0), 0);
  // Every page opens inside the shell, which a signed-in visit imports first: a page's own weight is what neither brings.
  const shellJs = graph.find((output) => output.entryPoint === 'web/console/shell.tsx')?.name;
  if (!shellJs) throw new Error('the console build has no chunk for the shell (web/console/shell.tsx)');
  const shellFiles = [...staticClosure(shellJs)].filter((name) => !entryClosure.has(name));
  const signInJs = graph.find((output) => output.entryPoint === 'web/console/sign-in.tsx')?.name;
  if (!signInJs) throw new Error('the console build has no chunk for the sign-in pages (web/console/sign-in.tsx)');
  const signInFiles = [...staticClosure(signInJs)].filter((name) => !entryClosure.has(name));
  const before = new Set([...entryClosure, ...shellFiles]);
  // A page's charts import their ECharts module (web/console/charts/echarts-*.ts) once drawn: part of what opening the page loads.
  const isChartEngine = (name: string) => graph.find((output) => output.name === name)?.entryPoint?.startsWith('web/console/charts/echarts-') === true;
  const drawnWith = (closure: Set<string>): Set<string> => {
    const all = new Set(closure);
    for (const name of closure) {
      for (const imported of graph.find((output) => output.name === name)?.dynamicImports ?? []) if (isChartEngine(imported)) staticClosure(imported).forEach((file) => all.add(file));
    }
    return all;
  };
  const pages = graph
    .filter((output) => output.entryPoint?.startsWith('web/console/pages/') === true)
    .map((output) => {
      const own = [...drawnWith(staticClosure(output.name))].filter((name) => !before.has(name));
      return { page: path.basename(output.entryPoint!, '.tsx'), files: own, gzippedBytes: gzipOf(own) };
    })
    .sort((a, b) => a.page.localeCompare(b.page));
  for (const name of graph.flatMap((output) => [output.name, ...output.staticImports, ...output.dynamicImports])) {
    if (!files.has(name)) throw new Error(`the console build refers to ${name}, which it did not produce`);
  }
  return {
    files,
    entry: { js: entryJs, css: entryCss },
    boot: bootJs,
    entryImports: [...entryClosure].filter((name) => name !== entryJs),
    pages,
    entryGzippedBytes: gzipOf([...entryClosure, entryCss]),
    shell: { files: shellFiles, gzippedBytes: gzipOf(shellFiles) },
    signIn: { files: signInFiles, gzippedBytes: gzipOf(signInFiles) },
    rawBytes,
    gzippedBytes,
  };
}

/**
 * `import { Button, Table } from 'antd'` names antd's index, which re-exports
 * every component. esbuild splits by module, and that one module, reached
 * from the entry, would drag every component any page uses into the entry's
 * chunks. So the console's own files are read with each such import
 * rewritten to the component's module (`import Table from
 * 'antd/es/table/index.js'`), as antd's own babel-plugin-import did; type
 * imports stay (they are erased). The component's module is taken from
 * antd's index itself, so the two cannot disagree.
 */
function antdByModule(modules: Map<string, string>): Plugin {
  const importFromAntd = /import\s*\{([^}]*)\}\s*from\s*'antd';/g;
  return {
    name: 'antd-by-module',
    setup(plugin) {
      plugin.onLoad({ filter: /[\\/]web[\\/]console[\\/].*\.tsx?$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        const contents = source.replace(importFromAntd, (_statement, list: string) => {
          const types: string[] = [];
          const values: string[] = [];
          for (const specifier of list.split(',').map((part) => part.trim()).filter(Boolean)) {
            if (specifier.startsWith('type ')) {
              types.push(specifier.slice('type '.length));
              continue;
            }
            const [imported = '', local = imported] = specifier.split(/\s+as\s+/);
            const module = modules.get(imported);
            if (!module) throw new Error(`${args.path}: antd's index exports no component ${imported}`);
            values.push(`import ${local} from 'antd/es/${module}/index.js';`);
          }
          return [...values, types.length > 0 ? `import type { ${types.join(', ')} } from 'antd';` : ''].join(' ');
        });
        return { contents, loader: args.path.endsWith('.tsx') ? 'tsx' : 'ts' };
      });
    },
  };
}

/** antd's index: `export { default as Button } from './button';` for each component, as a map Button → button. */
async function antdModules(): Promise<Map<string, string>> {
  const index = createRequire(import.meta.url).resolve('antd/es/index.js');
  const text = await readFile(index, 'utf8');
  const modules = new Map<string, string>();
  for (const match of text.matchAll(/export \{ default as (\w+) \} from '\.\/([\w-]+)';/g)) modules.set(match[1]!, match[2]!);
  if (!modules.has('Button') || !modules.has('Table')) throw new Error(`antd's index (${index}) no longer reads as expected`);
  return modules;
}

interface BuiltOutput {
  name: string;
  /** The source file this output is the entry for (the main entry, or a page imported with `import()`), relative to the working directory's web/. */
  entryPoint: string | undefined;
  staticImports: string[];
  dynamicImports: string[];
}

/** esbuild's metafile, with outputs named as served (their base names) and entry points relative to the repository. */
function outputGraph(metafile: Metafile, outdir: string): BuiltOutput[] {
  const repository = path.dirname(webDir);
  const relativeToRepository = (file: string) => path.relative(repository, path.resolve(file)).split(path.sep).join('/');
  return Object.entries(metafile.outputs).map(([file, output]) => {
    if (path.dirname(path.resolve(file)) !== outdir) throw new Error(`unexpected console build output ${file}`);
    const imports = (kind: string) => output.imports.filter((imported) => imported.kind === kind && !imported.external).map((imported) => path.basename(imported.path));
    return {
      name: path.basename(file),
      entryPoint: output.entryPoint === undefined ? undefined : relativeToRepository(output.entryPoint),
      staticImports: imports('import-statement'),
      dynamicImports: imports('dynamic-import'),
    };
  });
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

/** One line: the whole build, and what a signed-in first visit to the overview loads (entry, shell, overview), gzipped. */
export function describeConsoleSize(assets: ConsoleAssets): string {
  const overview = assets.pages.find((page) => page.page === 'overview')?.gzippedBytes ?? 0;
  return `console ${assets.files.size} files, ${kib(assets.gzippedBytes)} gzipped in all; the overview opened first loads ${kib(assets.entryGzippedBytes + assets.shell.gzippedBytes + overview)} (entry ${kib(assets.entryGzippedBytes)} + shell ${kib(assets.shell.gzippedBytes)} + page ${kib(overview)}); the sign-in ${kib(assets.entryGzippedBytes + assets.signIn.gzippedBytes)}`;
}

/** A table, gzipped: the entry, what the sign-in pages add, the shell, then what each page adds when it is the first opened. */
export function describeConsolePages(assets: ConsoleAssets): string {
  const row = (name: string, bytes: number, files: readonly string[]) => `  ${name.padEnd(28)} ${kib(bytes).padStart(8)}  ${files.length} file${files.length === 1 ? '' : 's'}`;
  return [
    row('entry', assets.entryGzippedBytes, [assets.entry.js, ...assets.entryImports, assets.entry.css]),
    row('+ sign-in (no session)', assets.signIn.gzippedBytes, assets.signIn.files),
    row('+ shell (signed in)', assets.shell.gzippedBytes, assets.shell.files),
    ...assets.pages.map((page) => row(`+ ${page.page}`, page.gzippedBytes, page.files)),
  ].join('\n');
}

if (import.meta.main) {
  try {
    const assets = await buildConsoleAssets();
    console.log(describeConsoleSize(assets));
    console.log(describeConsolePages(assets));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
