#!/usr/bin/env node
/**
 * Builds src/ into dist/, which bin/data-pipeline.js runs:
 *
 *   1. `tsc -p tsconfig.build.json` (JavaScript and source maps, dist/ mirroring src/);
 *   2. copies every file of src/ that is not TypeScript to the same place in dist/: the code reads
 *      them beside itself at run time (src/tasks/store/migrations/*.sql, found by migrate.ts with
 *      `new URL('./migrations/', import.meta.url)`);
 *   3. removes from dist/ what no longer has a source (a module moved or deleted since the last
 *      build), so nothing stale can be imported;
 *   4. writes dist/.build-fingerprint: the size and mtime of everything under src/ and of the build
 *      configuration, which `--if-stale` compares.
 *
 * Paths the code computes from its own location keep working from dist/ because dist/ mirrors
 * src/ at the same depth: `new URL('../../web', import.meta.url)` (the console's sources, bundled
 * by esbuild when the server starts) and `new URL('../../', import.meta.url)` (the install
 * directory stripped from stack traces) name the project root from either.
 *
 *   node scripts/build.mjs                      build; exit 1 on type errors (what `npm run build`,
 *                                               `prepare` and `npm test` run)
 *   node scripts/build.mjs --if-stale           the same, only when the fingerprint changed
 *   node scripts/build.mjs --allow-type-errors  code emitted despite type errors is a warning, not a
 *                                               failure (the test suite's global setup: vitest runs the
 *                                               sources without type-checking them either; `npm test`
 *                                               type-checks first)
 *
 * Two builds at once (two test runs) take turns through a lock directory.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
const FINGERPRINT_FILE = path.join(DIST, '.build-fingerprint');
const LOCK_DIR = path.join(ROOT, '.dist-build.lock');
/** What else decides the output besides src/. */
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs', 'package.json'];
const LOCK_WAIT_MS = 120_000;

const args = new Set(process.argv.slice(2));
const ifStale = args.has('--if-stale');
const allowTypeErrors = args.has('--allow-type-errors');

/** Every file and directory under `dir` (directories too: their mtime changes when entries come or go). */
function walk(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    out.push(full);
    if (entry.isDirectory()) walk(full, out);
  }
  return out;
}

/** The installed TypeScript's version, or undefined without it (installed without dev dependencies). */
function typescriptVersion() {
  try {
    return createRequire(import.meta.url)('typescript/package.json').version;
  } catch {
    return undefined;
  }
}

function fingerprint() {
  const hash = createHash('sha256');
  const typescript = typescriptVersion();
  hash.update(`node ${process.version}; typescript ${typescript}\n`);
  for (const file of [SRC, ...walk(SRC).sort(), ...CONFIG_FILES.map((f) => path.join(ROOT, f))]) {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    hash.update(`${path.relative(ROOT, file)} ${stat ? `${stat.size} ${stat.mtimeMs}` : 'missing'}\n`);
  }
  return hash.digest('hex');
}

function isFresh(print) {
  try {
    return fs.readFileSync(FINGERPRINT_FILE, 'utf8').trim() === print;
  } catch {
    return false;
  }
}

function ownerAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** The lock's process is gone (or never wrote its pid, 10 s ago or more). */
function lockAbandoned() {
  try {
    const owner = Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8'));
    return Number.isInteger(owner) && owner > 0 && !ownerAlive(owner);
  } catch {
    const stat = fs.statSync(LOCK_DIR, { throwIfNoEntry: false });
    return stat !== undefined && Date.now() - stat.mtimeMs > 10_000;
  }
}

/** Takes the build lock, waiting for another build; a lock whose process died is taken over. */
function lock() {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    if (lockAbandoned()) {
      fs.rmSync(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another build holds ${LOCK_DIR} for over ${LOCK_WAIT_MS / 1000} s; remove it if no build is running`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}

function unlock() {
  fs.rmSync(LOCK_DIR, { recursive: true, force: true });
}

/** Runs tsc; returns 'ok', 'type-errors' (emitted anyway) or throws. */
function compile() {
  // The package's exports hide bin/: found from its package.json.
  const manifest = createRequire(import.meta.url).resolve('typescript/package.json');
  const tsc = path.join(path.dirname(manifest), JSON.parse(fs.readFileSync(manifest, 'utf8')).bin.tsc);
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.error) throw result.error;
  if (result.status === 0) return { status: 'ok', output };
  // 2: diagnostics, outputs generated (noEmitOnError is off); anything else: nothing usable.
  if (result.status === 2 && fs.existsSync(path.join(DIST, 'cli', 'main.js'))) return { status: 'type-errors', output };
  throw new Error(`tsc -p tsconfig.build.json failed (exit ${result.status ?? result.signal}):\n${output}`);
}

/** dist/ path of a src/ file: .ts → .js; other files as they are. */
function outputOf(srcFile) {
  const rel = path.relative(SRC, srcFile);
  return path.join(DIST, rel.endsWith('.ts') && !rel.endsWith('.d.ts') ? `${rel.slice(0, -3)}.js` : rel);
}

function copyAssets() {
  let copied = 0;
  for (const file of walk(SRC)) {
    if (!fs.statSync(file).isFile() || file.endsWith('.ts')) continue;
    const target = outputOf(file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file, target);
    copied += 1;
  }
  return copied;
}

/** Removes dist/ files and directories without a source (moved or deleted modules, old assets). */
function pruneStale() {
  const expected = new Set();
  for (const file of walk(SRC)) {
    if (!fs.statSync(file).isFile()) continue;
    const out = outputOf(file);
    expected.add(out);
    if (out.endsWith('.js')) expected.add(`${out}.map`);
  }
  let removed = 0;
  // Deepest first, so emptied directories go too.
  for (const entry of walk(DIST).sort().reverse()) {
    if (entry === FINGERPRINT_FILE) continue;
    const stat = fs.lstatSync(entry);
    if (stat.isDirectory()) {
      if (fs.readdirSync(entry).length === 0) fs.rmdirSync(entry);
    } else if (!expected.has(entry)) {
      fs.rmSync(entry, { force: true });
      removed += 1;
    }
  }
  return removed;
}

function main() {
  const started = performance.now();
  if (ifStale && isFresh(fingerprint())) return 0;
  if (typescriptVersion() === undefined) {
    // Installed without dev dependencies: nothing to build with. What is there runs as it is.
    if (fs.existsSync(path.join(DIST, 'cli', 'main.js'))) {
      process.stderr.write('build: TypeScript is not installed (dev dependencies omitted); dist/ left as it is\n');
      return 0;
    }
    throw new Error(
      'TypeScript is not installed (dev dependencies omitted?) and dist/ is missing: install with dev dependencies (npm install / npm ci) to build it',
    );
  }
  lock();
  try {
    // Taken after another build may have finished: it may have done ours.
    const print = fingerprint();
    if (ifStale && isFresh(print)) return 0;
    fs.rmSync(FINGERPRINT_FILE, { force: true });
    const { status, output } = compile();
    const copied = copyAssets();
    const removed = pruneStale();
    const summary = `built dist/ in ${Math.round(performance.now() - started)} ms (${copied} asset(s) copied${removed ? `, ${removed} stale file(s) removed` : ''})`;
    if (status === 'type-errors') {
      if (!allowTypeErrors) {
        process.stderr.write(`${output}\n\ntype errors (above): ${summary}, but the build fails\n`);
        return 1;
      }
      // No fingerprint: the next run builds (and reports) again.
      process.stderr.write(`${output}\n\nwarning: src/ has type errors (above); ${summary} anyway\n`);
      return 0;
    }
    fs.writeFileSync(FINGERPRINT_FILE, `${print}\n`);
    process.stdout.write(`${summary}\n`);
    return 0;
  } finally {
    unlock();
  }
}

try {
  process.exitCode = main();
} catch (error) {
  process.stderr.write(`build: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
