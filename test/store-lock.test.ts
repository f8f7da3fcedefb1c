/**
 * The embedded store's lock across crashes: a process that opened the store is killed (SIGKILL) and
 * a new one opens it at once, also when both are PID 1 (each the init of its own PID namespace, as
 * a container's entrypoint is); a second live process is still refused. The processes open the
 * store as the server does at start (`openEmbeddedStore`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEmbeddedStore, STORE_LOCK_DIR, StoreInUseError, StoreOpenError } from '../src/db/embedded-store.js';
import { acquireProcessLock, LockHeldError } from '../src/db/process-lock.js';
import { makeTempDir, PROJECT_ROOT } from './support/env.js';

interface StoreChild {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs test/support/store-lock-child.ts, as PID 1 of a new PID namespace (`unshare --pid --fork
 * --mount-proc`) unless `namespace` is false.
 */
function storeChild(target: string, mode: 'hold' | 'close' | 'lock', options: { namespace?: boolean } = {}): StoreChild {
  const node = [process.execPath, '--import', 'tsx', path.join(PROJECT_ROOT, 'test/support/store-lock-child.ts'), target, mode];
  const [command, ...args] = options.namespace === false ? node : ['unshare', '--pid', '--fork', '--mount-proc', ...node];
  const child = spawn(command as string, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

async function waitForOpen(c: StoreChild, line = /^open$/m): Promise<void> {
  for (;;) {
    if (line.test(c.output())) return;
    const exit = await Promise.race([c.exited, new Promise((resolve) => setTimeout(() => resolve(undefined), 50))]);
    if (exit) throw new Error(`the store child exited (${JSON.stringify(exit)}) without opening the store:\n${c.output()}`);
  }
}

/** The process unshare forked: PID 1 inside its namespace, this pid outside. */
function namespaceInit(c: StoreChild): number {
  const pid = c.child.pid as number;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  expect(children).toHaveLength(1);
  return children[0] as number;
}

describe('embedded store lock after a crash', () => {
  it('a PID 1 killed holding the store is followed at once by a new PID 1 that opens it; a second live process is refused', async () => {
    const root = await makeTempDir('dp-store-lock-');
    const store = path.join(root, 'store');
    try {
      let holder = storeChild(store, 'hold');
      await waitForOpen(holder);
      expect(holder.output()).toMatch(/^pid 1$/m);

      for (let restart = 0; restart < 3; restart += 1) {
        // Another PID 1, another namespace, while the holder lives: refused.
        const contender = storeChild(store, 'close');
        expect(await contender.exited, contender.output()).toEqual({ code: 3, signal: null });
        expect(contender.output()).toMatch(/^pid 1$/m);
        expect(contender.output()).toMatch(/^in-use the embedded store .* is in use by another data-pipeline process \(process 1 on /m);
        // And so is this process (another PID namespace than the holder's).
        await expect(openEmbeddedStore(store)).rejects.toBeInstanceOf(StoreInUseError);

        // The holder dies without releasing anything; its successor starts right away, not waiting for the exit.
        process.kill(namespaceInit(holder), 'SIGKILL');
        const next = storeChild(store, 'hold');
        await holder.exited;
        await waitForOpen(next);
        expect(next.output()).toMatch(/^pid 1$/m);
        holder = next;
      }

      process.kill(namespaceInit(holder), 'SIGKILL');
      await holder.exited;
      // After the last crash this process takes the store too, and leaves nothing behind when it closes.
      const db = await openEmbeddedStore(store);
      expect(await db.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await db.close();
      expect(await fs.readdir(root)).toEqual(['store']);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('a lock file of an earlier version naming PID 1 (the crashed entrypoint) does not stop the next PID 1', async () => {
    const root = await makeTempDir('dp-store-lock-');
    const store = path.join(root, 'store');
    try {
      await fs.writeFile(path.join(root, 'store.lock'), JSON.stringify({ pid: 1, host: os.hostname(), since: '2025-01-01T00:00:00.000Z' }));
      const next = storeChild(store, 'close');
      expect(await next.exited, next.output()).toEqual({ code: 0, signal: null });
      expect(next.output()).toMatch(/^pid 1\nopen$/m);
      expect(await fs.readdir(root)).toEqual(['store']);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('of PID 1 processes racing for a free lock, exactly one holds it', async () => {
    const root = await makeTempDir('dp-store-lock-');
    const lock = path.join(root, 'store.lock');
    const racers = Array.from({ length: 6 }, () => storeChild(lock, 'lock'));
    try {
      // Each either holds (and stays) or is refused (and exits 3).
      const outcomes = await Promise.all(
        racers.map(async (r) => {
          const refused = r.exited.then((exit) => (exit.code === 3 ? 'refused' : `exited ${JSON.stringify(exit)}: ${r.output()}`));
          const held = waitForOpen(r, /^held$/m).then(
            () => 'held',
            () => refused,
          );
          return Promise.race([held, refused]);
        }),
      );
      expect(outcomes.sort()).toEqual(['held', 'refused', 'refused', 'refused', 'refused', 'refused']);
      expect(racers.every((r) => /^pid 1$/m.test(r.output()))).toBe(true);
    } finally {
      for (const r of racers) if (r.child.exitCode === null && r.child.signalCode === null) process.kill(namespaceInit(r), 'SIGKILL');
      await Promise.all(racers.map((r) => r.exited));
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

describe('store lock in a directory whose path is longer than a socket address', () => {
  it('still proves its owner alive through a socket (reached through a directory descriptor)', async () => {
    const root = await makeTempDir('dp-store-lock-');
    const deep = path.join(root, 'd'.repeat(60), 'e'.repeat(60));
    await fs.mkdir(deep, { recursive: true });
    const lock = path.join(deep, 'store.lock');
    try {
      const holder = storeChild(lock, 'lock');
      await waitForOpen(holder, /^held$/m);
      const names = await fs.readdir(deep);
      const claim = names.find((n) => /^store\.lock\.[0-9a-f]{16}$/.test(n)) as string;
      expect(names.sort()).toEqual([claim, `${claim}.sock`]);
      expect(JSON.parse(await fs.readFile(path.join(deep, claim), 'utf8'))).toMatchObject({ pid: 1, socket: true });
      await expect(acquireProcessLock(lock, { waitMs: 0 })).rejects.toBeInstanceOf(LockHeldError);

      process.kill(namespaceInit(holder), 'SIGKILL');
      await holder.exited;
      const release = await acquireProcessLock(lock, { waitMs: 0 });
      await release();
      expect(await fs.readdir(deep)).toEqual([]);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

describe('store lock without a socket (a lock name too long for one)', () => {
  const longLock = (root: string) => path.join(root, `${'s'.repeat(100)}.lock`);

  it('tells a dead owner from a live one by its pid: a killed holder is taken over, a live one refuses', async () => {
    const root = await makeTempDir('dp-store-lock-');
    const lock = longLock(root);
    try {
      const holder = storeChild(lock, 'lock', { namespace: false });
      await waitForOpen(holder, /^held$/m);
      const [claim] = (await fs.readdir(root)).filter((n) => !n.endsWith('.tmp'));
      expect(JSON.parse(await fs.readFile(path.join(root, claim as string), 'utf8'))).toMatchObject({ pid: holder.child.pid, socket: false });
      await expect(acquireProcessLock(lock, { waitMs: 0 })).rejects.toBeInstanceOf(LockHeldError);

      holder.child.kill('SIGKILL');
      await holder.exited;
      const release = await acquireProcessLock(lock, { waitMs: 0 });
      await release();
      expect(await fs.readdir(root)).toEqual([]);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('a claim naming a live pid that started at another time (the pid was reused) is dead', async () => {
    const root = await makeTempDir('dp-store-lock-');
    const lock = longLock(root);
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const startTime = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const claim = (start: number) => ({ pid: process.pid, host: os.hostname(), since: new Date().toISOString(), start_time: start, socket: false });
    try {
      // This very process, as the claim describes it: alive.
      await fs.writeFile(`${lock}.00000000000000aa`, JSON.stringify(claim(startTime)));
      await expect(acquireProcessLock(lock, { waitMs: 0 })).rejects.toBeInstanceOf(LockHeldError);
      // The same pid, started at another time: another process that had it before.
      await fs.writeFile(`${lock}.00000000000000aa`, JSON.stringify(claim(startTime - 1)));
      const release = await acquireProcessLock(lock, { waitMs: 0 });
      await release();
      expect(await fs.readdir(root)).toEqual([]);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

describe('the store lock lives inside the store directory', () => {
  /** Runs `mount`/`umount`; resolves with whether it worked (root in a namespace that allows it). */
  function run(command: string, args: string[]): Promise<boolean> {
    return new Promise((resolve) => {
      const child = spawn(command, args, { stdio: 'ignore' });
      child.on('error', () => resolve(false));
      child.on('exit', (code) => resolve(code === 0));
    });
  }

  it('a second server reaching the same store through a bind mount (a Docker volume) is refused', async () => {
    const root = await makeTempDir('dp-store-lock-');
    const store = path.join(root, 'x', 'store');
    const mounted = path.join(root, 'A', 'store');
    await fs.mkdir(store, { recursive: true });
    await fs.mkdir(mounted, { recursive: true });
    // The tests run as root here: a real bind mount, as `docker run -v` makes one.
    expect(await run('mount', ['--bind', store, mounted])).toBe(true);
    const holder = storeChild(store, 'hold', { namespace: false });
    try {
      await waitForOpen(holder);
      const contender = storeChild(mounted, 'close', { namespace: false });
      expect(await contender.exited, contender.output()).toEqual({ code: 3, signal: null });
      expect(contender.output()).toMatch(
        new RegExp(`^in-use the embedded store ${mounted} is in use by another data-pipeline process \\(process ${holder.child.pid} on `, 'm'),
      );
      await expect(openEmbeddedStore(mounted)).rejects.toBeInstanceOf(StoreInUseError);
      // Claims and sockets are inside the store, none beside it.
      expect((await fs.readdir(path.join(mounted, STORE_LOCK_DIR))).some((n) => /^store\.lock\.[0-9a-f]{16}\.sock$/.test(n))).toBe(true);
      expect((await fs.readdir(path.join(root, 'x'))).sort()).toEqual(['store']);
      expect((await fs.readdir(path.join(root, 'A'))).sort()).toEqual(['store']);
    } finally {
      holder.child.kill('SIGKILL');
      await holder.exited;
      expect(await run('umount', [mounted])).toBe(true);
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('a store reached through a symbolic link: refused while another process holds it, opened once it is free', async () => {
    const root = await makeTempDir('dp-store-lock-');
    const store = path.join(root, 'real', 'store');
    const link = path.join(root, 'link');
    await fs.mkdir(store, { recursive: true });
    await fs.symlink(store, link);
    const holder = storeChild(store, 'hold', { namespace: false });
    try {
      await waitForOpen(holder);
      await expect(openEmbeddedStore(link)).rejects.toThrow(
        new RegExp(`^the embedded store ${link} is in use by another data-pipeline process \\(process ${holder.child.pid} on `),
      );
      holder.child.kill('SIGKILL');
      await holder.exited;
      const db = await openEmbeddedStore(link);
      expect(await db.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await db.close();
    } finally {
      if (holder.child.exitCode === null && holder.child.signalCode === null) holder.child.kill('SIGKILL');
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('a live lock where earlier versions took it (beside the store) still refuses', async () => {
    const root = await makeTempDir('dp-store-lock-');
    const store = path.join(root, 'store');
    const old = storeChild(path.join(root, 'store.lock'), 'lock', { namespace: false });
    try {
      await waitForOpen(old, /^held$/m);
      await expect(openEmbeddedStore(store)).rejects.toThrow(new RegExp(`is in use by another data-pipeline process \\(process ${old.child.pid} on `));
      old.child.kill('SIGKILL');
      await old.exited;
      const db = await openEmbeddedStore(store);
      await db.close();
      // The dead claim of the old location is gone too.
      expect(await fs.readdir(root)).toEqual(['store']);
    } finally {
      if (old.child.exitCode === null && old.child.signalCode === null) old.child.kill('SIGKILL');
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('reports a failure to open the store as an Error saying what failed', async () => {
    const root = await makeTempDir('dp-store-lock-');
    try {
      const file = path.join(root, 'not-a-directory');
      await fs.writeFile(file, 'x');
      await expect(openEmbeddedStore(file)).rejects.toThrow(new RegExp(`^cannot open the embedded store ${file}: EEXIST`));
      // PGlite's own file system errors are objects with a number and no message.
      const error = new StoreOpenError('/data/store', Object.assign(Object.create({ name: 'ErrnoError' }), { errno: 44 }));
      expect(error).toBeInstanceOf(Error);
      expect(String(error)).toBe('StoreOpenError: cannot open the embedded store /data/store: file system error ENOENT (44) in PGlite');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
