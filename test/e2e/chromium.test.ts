/**
 * Which Chromium the browser tests drive (test/support/chromium.ts): DP_CHROMIUM, else the
 * system's, else the one the npm package @sparticuz/chromium ships; an error, never a skip, when a
 * named one is not there.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, findChromium, unpackBundledChromium } from '../support/chromium.js';
import { makeTempDir } from '../support/env.js';

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function fakeExecutable(): Promise<string> {
  const dir = await makeTempDir('dp-chromium-test-');
  tempDirs.push(dir);
  const file = path.join(dir, 'chromium');
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  return file;
}

/** Stands in for unpacking the packaged Chromium, and counts the calls. */
function bundledStub() {
  const stub = {
    calls: 0,
    unpack: async () => {
      stub.calls += 1;
      return '/unpacked/chromium';
    },
  };
  return stub;
}

describe('choosing the Chromium of the browser tests', () => {
  it('takes DP_CHROMIUM when it names an executable, before the system one', async () => {
    const [chosen, system] = [await fakeExecutable(), await fakeExecutable()];
    const bundled = bundledStub();
    const found = await findChromium({ env: { DP_CHROMIUM: chosen }, systemPath: system, unpackBundled: bundled.unpack });
    expect(found).toEqual({ executablePath: chosen, args: [...CHROMIUM_ARGS], source: 'DP_CHROMIUM' });
    expect(found.args).toContain('--headless');
    expect(bundled.calls).toBe(0);
  });

  it('fails, naming DP_CHROMIUM and the ways out, when it names nothing executable', async () => {
    const bundled = bundledStub();
    await expect(
      findChromium({ env: { DP_CHROMIUM: '/no/such/chromium' }, systemPath: await fakeExecutable(), unpackBundled: bundled.unpack }),
    ).rejects.toThrow(/DP_CHROMIUM=\/no\/such\/chromium: no executable there.*DP_CHROMIUM=bundled/);
    expect(bundled.calls).toBe(0);
  });

  it('takes the system Chromium when DP_CHROMIUM is unset and it is there', async () => {
    const system = await fakeExecutable();
    const bundled = bundledStub();
    expect(await findChromium({ env: {}, systemPath: system, unpackBundled: bundled.unpack })).toMatchObject({ executablePath: system, source: 'system' });
    expect(bundled.calls).toBe(0);
  });

  it('falls back to the packaged Chromium when there is no system one', async () => {
    const bundled = bundledStub();
    const found = await findChromium({ env: {}, systemPath: path.join(os.tmpdir(), 'no-such-dir', 'chromium'), unpackBundled: bundled.unpack });
    expect(found).toEqual({ executablePath: '/unpacked/chromium', args: [...CHROMIUM_ARGS], source: 'bundled' });
    expect(bundled.calls).toBe(1);
  });

  it('DP_CHROMIUM=bundled takes the packaged one even when the system has one', async () => {
    const bundled = bundledStub();
    const found = await findChromium({ env: { DP_CHROMIUM: 'bundled' }, systemPath: await fakeExecutable(), unpackBundled: bundled.unpack });
    expect(found.source).toBe('bundled');
    expect(bundled.calls).toBe(1);
  });

  it('unpacks the packaged Chromium once into a versioned directory, and it runs', { timeout: 120_000 }, async () => {
    const first = await unpackBundledChromium();
    expect(path.dirname(first)).toMatch(/dp-chromium-\d+\.\d+\.\d+$/);
    expect(execFileSync(first, ['--version'], { encoding: 'utf8', timeout: 30_000 })).toMatch(/^Chromium \d+\./);
    // Already there: the same executable, not unpacked again.
    const started = Date.now();
    expect(await unpackBundledChromium()).toBe(first);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
