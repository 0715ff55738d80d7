import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export type BuildWebUiParameters = {
  /** Folder to write (default packages/web/dist). Replaced atomically: a reader never sees half a build. */
  outDir?: string;
  /** Minify (default true). */
  minify?: boolean;
  /**
   * Written as ui-config.json beside index.html, for a UI served without the bridge (DApp mode on a static
   * host): `{ chainId, rpcUrl, relayUrl, deployment: { taskManager, nodeRegistry }, explorerUrl, models }`.
   */
  uiConfig?: Record<string, unknown>;
};

export type BuildWebUiReturnType = {
  /** The folder to serve at `/`: index.html and assets/. */
  root: string;
  /** Bytes of each output file, by path relative to root. */
  files: Record<string, number>;
};

const uiDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../ui');
export const defaultWebRoot = resolve(uiDir, '../dist');

/**
 * Bundles the web UI with esbuild (about a second) into static files: no CDN, no external request at run time.
 * Called by whatever serves the UI at its start, so a fresh clone needs no build step of its own.
 *
 * @example
 * const { root } = await buildWebUi();
 * await startBridge({ webDir: root });
 */
export async function buildWebUi(parameters: BuildWebUiParameters = {}): Promise<BuildWebUiReturnType> {
  const root = resolve(parameters.outDir ?? defaultWebRoot);
  const staging = `${root}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(join(staging, 'assets'), { recursive: true });
  try {
    const result = await build({
      entryPoints: { main: join(uiDir, 'main.tsx') },
      outdir: join(staging, 'assets'),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      target: ['es2022', 'chrome111', 'firefox114', 'safari16'],
      jsx: 'automatic',
      jsxImportSource: 'preact',
      minify: parameters.minify ?? true,
      sourcemap: false,
      metafile: true,
      logLevel: 'silent',
      chunkNames: 'chunk-[hash]',
      define: { 'process.env.NODE_ENV': '"production"' },
      // Node built-ins may appear behind runtime checks in shared code; a browser never takes those paths.
      external: ['node:*'],
    });
    copyFileSync(join(uiDir, 'index.html'), join(staging, 'index.html'));
    if (parameters.uiConfig) {
      writeFileSync(join(staging, 'ui-config.json'), JSON.stringify(parameters.uiConfig, null, 2));
    }
    const files: Record<string, number> = {};
    for (const [path, output] of Object.entries(result.metafile.outputs)) {
      const nodeOnly = output.imports.filter((i) => i.external && i.path.startsWith('node:'));
      if (nodeOnly.length > 0) {
        // A browser cannot load it: some module the UI imports reached a Node-only part of a package.
        throw new Error(`the web UI bundle imports ${nodeOnly.map((i) => i.path).join(', ')} (${path})`);
      }
      files[path.slice(path.indexOf('assets/'))] = output.bytes;
    }
    // Swap in the new build; the old one is removed only once the new one is in place.
    const old = `${root}.old-${process.pid}-${Date.now()}`;
    if (existsSync(root)) renameSync(root, old);
    renameSync(staging, root);
    rmSync(old, { recursive: true, force: true });
    return { root, files };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}
