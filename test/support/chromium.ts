/**
 * The Chromium the browser tests drive (with playwright-core, which downloads no browser):
 *
 * 1. `DP_CHROMIUM=<path>`: that executable (an error when there is none there);
 *    `DP_CHROMIUM=bundled`: the packaged one below, whatever else is installed;
 * 2. `/usr/bin/chromium` (Debian's package) when it is there;
 * 3. the Chromium that the npm package `@sparticuz/chromium` ships (a dev dependency: `npm install`
 *    brings it), unpacked once per machine and version into `<tmpdir>/dp-chromium-<version>/`
 *    (about 2 s the first time).
 *
 * Never a reason to skip: when none of these can be had, `findChromium` throws, saying why.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, promises as fs, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';
/**
 * The same flags for every Chromium. Not the packaged one's own `args`: they are tuned for AWS
 * Lambda (`--single-process`, `--disable-web-security`, …) and would make the page behave unlike a
 * browser's; its headless shell runs with these.
 */
export const CHROMIUM_ARGS: readonly string[] = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

export interface ChromiumLaunch {
  executablePath: string;
  args: string[];
  /** Where it came from: `DP_CHROMIUM`, the system's, or the npm package's. */
  source: 'DP_CHROMIUM' | 'system' | 'bundled';
}

export interface FindChromiumOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the system's Chromium is looked for. */
  systemPath?: string;
  /** Unpacks the packaged Chromium and returns its executable. */
  unpackBundled?: () => Promise<string>;
}

export async function findChromium(options: FindChromiumOptions = {}): Promise<ChromiumLaunch> {
  const { env = process.env, systemPath = SYSTEM_CHROMIUM, unpackBundled = unpackBundledChromium } = options;
  const chosen = env.DP_CHROMIUM?.trim();
  const args = [...CHROMIUM_ARGS];
  if (chosen && chosen !== 'bundled') {
    if (!isExecutable(chosen)) {
      throw new Error(`DP_CHROMIUM=${chosen}: no executable there. Point it at a Chromium, set DP_CHROMIUM=bundled for the packaged one, or unset it`);
    }
    return { executablePath: chosen, args, source: 'DP_CHROMIUM' };
  }
  if (!chosen && isExecutable(systemPath)) return { executablePath: systemPath, args, source: 'system' };
  return { executablePath: await unpackBundled(), args, source: 'bundled' };
}

/**
 * Unpacks the Chromium of `@sparticuz/chromium` and returns its executable. The package unpacks
 * into `os.tmpdir()` (`/tmp/chromium`, shared with anything else using it, whatever its version,
 * and left half-written by a run killed meanwhile); we have it unpack in a child process whose
 * TMPDIR is a fresh directory, then move that directory to its versioned place in one rename, so
 * a directory that is there is always complete and of this version.
 */
export async function unpackBundledChromium(): Promise<string> {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve('@sparticuz/chromium'); // <package>/build/cjs/index.cjs
  } catch {
    throw new Error(
      `No Chromium: DP_CHROMIUM is ${process.env.DP_CHROMIUM ? `"${process.env.DP_CHROMIUM}"` : 'unset'}, ${SYSTEM_CHROMIUM} is missing, ` +
        'and the npm package @sparticuz/chromium (a dev dependency) is not installed: run npm install, or set DP_CHROMIUM to a Chromium',
    );
  }
  const packageDir = path.resolve(path.dirname(entry), '..', '..');
  const manifest: unknown = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? String(manifest.version) : 'unknown';
  const home = path.join(os.tmpdir(), `dp-chromium-${version}`);
  const executable = path.join(home, 'chromium');
  if (isExecutable(executable)) return executable;
  // Not ours to keep: a directory there without its executable (removed by hand, say).
  if (existsSync(home)) await fs.rm(home, { recursive: true, force: true });

  const staging = await fs.mkdtemp(`${home}.partial-`);
  try {
    const script = 'const { default: Chromium } = await import(process.argv[1]); process.stdout.write(await Chromium.executablePath());';
    const esmEntry = pathToFileURL(path.join(packageDir, 'build', 'esm', 'index.js')).href;
    const unpacked = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script, esmEntry],
        { env: { ...process.env, TMPDIR: staging, TMP: staging, TEMP: staging }, timeout: 120_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`unpacking @sparticuz/chromium failed: ${error.message}\n${stderr}`)) : resolve(stdout.trim())),
      );
    });
    if (path.resolve(unpacked) !== path.join(staging, 'chromium') || !isExecutable(unpacked)) {
      throw new Error(`@sparticuz/chromium unpacked to ${unpacked}, not to ${path.join(staging, 'chromium')}`);
    }
    // Usable by every user of the machine (mkdtemp and the package make them private).
    await fs.chmod(staging, 0o755);
    await fs.chmod(unpacked, 0o755);
    try {
      await fs.rename(staging, home);
    } catch (error) {
      // Another run unpacked it meanwhile (its directory is complete, ours is thrown away).
      if (!isExecutable(executable)) throw error;
    }
  } finally {
    if (existsSync(staging)) await fs.rm(staging, { recursive: true, force: true });
  }
  return executable;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
