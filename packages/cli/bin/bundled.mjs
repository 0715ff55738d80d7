// Runs a short-lived `verinet` command (bin/verinet routes task, keystore, stake-calc, --help here) from an
// esbuild bundle of src/bin.ts, in a Node process without loader hooks. Under tsx every module goes through
// its hooks on a separate thread, and loading viem, zod and better-sqlite3 alone took 2.3–3.3 s instead of
// 0.8–1.1 s (no-op hooks: 2.0–2.3 s, so it is the hooks, not transpiling: tsx's transform cache was warm).
//
// The bundle is made on first use and again whenever one of its source files, a workspace package.json, the
// tsconfig or this file changed (size or mtime), so an edited source is never run stale and `npm install` stays
// the only install command. It lives in packages/cli/node_modules/.cache (git-ignored), from where Node resolves
// the npm packages it leaves external as the CLI's own sources do. Anything that prevents a sound bundle makes
// the command run from source through tsx instead, as before; DEBUG=verinet says why.
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cliDir = resolve(fileURLToPath(import.meta.url), '../..');
const packagesDir = dirname(cliDir);
const repoDir = dirname(packagesDir);
const entry = join(cliDir, 'src/bin.ts');
// VERINET_CLI_CACHE names another folder beside it (tests); a folder elsewhere would not resolve node_modules.
const cacheName = /^[\w-]+$/.test(process.env.VERINET_CLI_CACHE ?? '')
  ? process.env.VERINET_CLI_CACHE
  : 'verinet-cli';
const cacheDir = join(cliDir, 'node_modules/.cache', cacheName);
const pointerFile = join(cacheDir, 'current.json');
/** Held while one process builds (review s9 #6: ten CLIs on a cold cache built ten bundles); the others run from
 * source meanwhile. A lock older than a build can take is left by a killed process and is taken over. */
const lockFile = join(cacheDir, 'build.lock');
const staleLockMs = 60_000;
/** Bundle folders kept at most (review s9 #5: each is ~1.5 MB); the current and the previous one always stay. */
const maxBundles = 4;
/** Command modules the bundle holds (bin/verinet sends only these commands here; a test checks both lists). */
const bundledCommandModules = ['task.ts', 'keystore.ts', 'stakeCalc.ts'];
/** Changes whenever the way the bundle is made changes, so older bundles are not used. */
const formatVersion = 1;
const debug = /(^|,)\s*verinet\s*(,|$)/.test(process.env.DEBUG ?? '');

/** @param {string} file */
function fingerprint(file) {
  try {
    const stat = statSync(file);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** Files whose change changes the bundle besides its sources: the package maps, compiler options, this file. */
function configFiles() {
  const files = [fileURLToPath(import.meta.url), join(repoDir, 'tsconfig.json')];
  for (const name of readdirSync(packagesDir)) files.push(join(packagesDir, name, 'package.json'));
  return files;
}

/** The bundle's entry file when the recorded bundle still matches every input, else undefined. */
function findFreshBundle() {
  let pointer;
  try {
    pointer = JSON.parse(readFileSync(pointerFile, 'utf8'));
  } catch {
    return undefined;
  }
  if (pointer?.formatVersion !== formatVersion || pointer.node !== process.version) return undefined;
  const files = configFiles();
  if (JSON.stringify(files) !== JSON.stringify(pointer.configFiles?.map((pair) => pair[0]))) return undefined;
  for (const [file, print] of [...pointer.configFiles, ...pointer.inputs])
    if (fingerprint(file) !== print) return undefined;
  const main = join(cacheDir, pointer.dir, 'bin.js');
  return existsSync(main) ? main : undefined;
}

/** The workspace package a source file belongs to (packages/<name>), or undefined. */
function packageOf(file) {
  if (!file.startsWith(packagesDir + sep)) return undefined;
  return join(packagesDir, file.slice(packagesDir.length + 1).split(sep)[0] ?? '');
}

/** Builds the bundle into a folder of its own and records it; resolves to its entry file. */
async function buildBundle() {
  const { build } = await import('esbuild');
  const started = Date.now();
  const configPrints = configFiles().map((file) => [file, fingerprint(file)]);
  const dir = `b-${started}-${process.pid}`;
  const outdir = join(cacheDir, dir);
  const result = await build({
    entryPoints: [entry],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'verinet-cli',
        setup(builder) {
          // Only the bundled commands are in the bundle; the others never run from it (bin/verinet).
          builder.onResolve({ filter: /\/commands\/[A-Za-z]+\.js$/ }, (args) => {
            if (!args.importer.endsWith(`${sep}cli${sep}createProgram.ts`)) return undefined;
            const file = basename(args.path).replace(/\.js$/, '.ts');
            if (bundledCommandModules.includes(file)) return undefined;
            return { path: resolve(args.resolveDir, args.path), external: true };
          });
          // npm packages stay external, loaded by Node from node_modules as from the sources. Sound only where
          // the bundle's folder resolves a package to the same copy as the importing source: refused when
          // a package other than the CLI has a copy of its own, or when the CLI's own copy would shadow it.
          builder.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.path.startsWith('@verinet/') || args.path.startsWith('node:')) return undefined;
            const name = args.path
              .split('/')
              .slice(0, args.path.startsWith('@') ? 2 : 1)
              .join('/');
            const owner = packageOf(args.importer);
            if (owner && owner !== cliDir && existsSync(join(owner, 'node_modules', name)))
              throw new Error(`${name}: ${owner} has a copy of its own`);
            if (owner !== cliDir && existsSync(join(cliDir, 'node_modules', name)))
              throw new Error(`${name}: the CLI's own copy would shadow the one ${args.importer} uses`);
            return { path: args.path, external: true };
          });
          // A source's own location (package.json, contract artifacts, models) is where it was, not the
          // bundle's; import.meta.resolve cannot be rewritten that way and is refused.
          builder.onLoad({ filter: /\.ts$/ }, (args) => {
            const text = readFileSync(args.path, 'utf8');
            if (text.includes('import.meta.resolve'))
              throw new Error(`${args.path} uses import.meta.resolve`);
            const url = pathToFileURL(args.path).href;
            return {
              loader: 'ts',
              contents: text
                .replaceAll('import.meta.url', JSON.stringify(url))
                .replaceAll('import.meta.filename', JSON.stringify(args.path))
                .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path))),
            };
          });
        },
      },
    ],
  });
  const inputs = Object.keys(result.metafile.inputs)
    .map((input) => resolve(repoDir, input))
    .map((file) => [file, fingerprint(file)]);
  // A source saved while esbuild read it may be in the bundle in its older form: that bundle is used this once
  // and not recorded, so the next run builds again.
  // A future mtime (a clock set back, a copied tree) is no edit in progress: counting it would rebuild every run.
  const now = Date.now();
  const changed = [...configPrints, ...inputs].some(([file, print]) => {
    if (print === 'missing') return true;
    const mtime = statSync(file).mtimeMs;
    return mtime >= started - 1000 && mtime <= now;
  });
  const main = join(outdir, 'bin.js');
  let previous;
  try {
    previous = JSON.parse(readFileSync(pointerFile, 'utf8'))?.dir;
  } catch {
    previous = undefined;
  }
  if (!changed) {
    const temporary = `${pointerFile}.${process.pid}`;
    writeFileSync(
      temporary,
      JSON.stringify({ formatVersion, node: process.version, dir, configFiles: configPrints, inputs }),
    );
    renameSync(temporary, pointerFile);
  }
  removeOldBundles([dir, previous]);
  return main;
}

/**
 * Removes bundle folders but `keep` (this build's and the previous pointer's: a process may be starting on it,
 * review s9 #7): those older than a day (a `task run` on one loads lazily imported chunks up to its --timeout),
 * and the oldest beyond maxBundles.
 */
function removeOldBundles(keep) {
  const day = 86_400_000;
  const others = readdirSync(cacheDir)
    .map((name) => ({ name, at: Number(/^b-(\d+)-\d+$/.exec(name)?.[1]) }))
    .filter(({ name, at }) => Number.isFinite(at) && !keep.includes(name))
    .sort((a, b) => b.at - a.at);
  const room = Math.max(0, maxBundles - keep.filter(Boolean).length);
  others.forEach(({ name, at }, index) => {
    if (index < room && Date.now() - at < day) return;
    rmSync(join(cacheDir, name), { recursive: true, force: true });
  });
}

/** Runs `build` holding the build lock; throws when another process holds it (the command then runs from source). */
async function withBuildLock(build) {
  let fd;
  try {
    fd = openSync(lockFile, 'wx');
  } catch (error) {
    if (error?.code !== 'EEXIST') throw error;
    if (Date.now() - statSync(lockFile).mtimeMs < staleLockMs)
      throw new Error('another process is building the bundle');
    rmSync(lockFile, { force: true });
    fd = openSync(lockFile, 'wx');
  }
  closeSync(fd);
  try {
    return await build();
  } finally {
    try {
      unlinkSync(lockFile);
    } catch {
      // Taken over as stale meanwhile: the other process removes its own.
    }
  }
}

let main;
try {
  main = findFreshBundle();
  if (!main) {
    mkdirSync(cacheDir, { recursive: true });
    const started = performance.now();
    main = await withBuildLock(buildBundle);
    if (debug)
      process.stderr.write(
        `verinet: bundle built in ${Math.round(performance.now() - started)} ms (${dirname(main)})\n`,
      );
  } else if (debug) process.stderr.write(`verinet: bundle reused (${dirname(main)})\n`);
} catch (error) {
  if (debug) process.stderr.write(`verinet: running from source through tsx (${error?.message ?? error})\n`);
  main = undefined;
}
if (main) {
  if (process.argv.includes('--verbose') || debug) process.setSourceMapsEnabled(true);
  await import(pathToFileURL(main).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(entry).href);
}
