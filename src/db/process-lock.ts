/**
 * The embedded store's lock: one process at a time, and a restart after any crash takes it at once.
 *
 * A process id alone cannot tell a dead owner from a new process that got the same id: a container's
 * entrypoint is PID 1 after every restart, and a fresh PID namespace numbers from 1 again. So the
 * owner proves it is alive with something the kernel takes away when it dies, whatever its pid:
 * it listens on a Unix socket next to the lock. A socket file nobody listens on refuses connections
 * (ECONNREFUSED) as soon as the process's files are closed, which happens before it is even a zombie;
 * a socket file is found by path, so this works across PID, network and mount namespaces sharing the
 * directory. Node has no flock() and native addons are not an option, hence the socket.
 *
 * Each process writes its own claim, `<lock>.<nonce>` (JSON: pid, host, boot id…), after binding
 * `<lock>.<nonce>.sock`, then looks at every other claim: if one is alive it withdraws its own,
 * else it holds the lock and removes the dead claims. Of two processes racing, the later to look
 * sees the earlier one's claim, so two never both hold it (both may withdraw; they retry after a
 * random pause). A claim is judged:
 * - by the kernel's boot id first: another boot id is another machine sharing the directory (alive,
 *   we cannot probe it), unless its host name is ours (this machine before a reboot: dead);
 * - then by its socket: listening → alive, refused → dead;
 * - without a socket (a path too long for one, a file system without sockets, Windows) by the
 *   process itself: its pid exists, is not a zombie and started when the claim says, in our PID
 *   namespace (in another one we cannot see it: alive).
 * A live-looking owner is waited for briefly: a process just sent SIGKILL still holds its files for
 * a moment. The lock file of earlier versions (`<lock>`, pid and host) is still understood.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, lstatSync, openSync, promises as fs, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';

export interface LockOwner {
  pid: number;
  host: string;
  since: string;
  /** The kernel's boot id (Linux): the same on every process of this machine until it reboots. */
  boot_id?: string;
  /** The owner's PID namespace (Linux), in which `pid` means that process. */
  pid_ns?: string;
  /** When the owner started, in clock ticks after boot (Linux, `/proc/<pid>/stat` field 22). */
  start_time?: number;
  /** Whether the owner listens on its claim's socket. */
  socket?: boolean;
}

export class LockHeldError extends Error {
  constructor(
    readonly file: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(`${file} is held by process ${owner?.pid ?? '?'} on ${owner?.host ?? '?'} since ${owner?.since ?? '?'}`);
    this.name = 'LockHeldError';
  }
}

export interface LockOptions {
  /** How long a live-looking owner is waited for before giving up (a killed process is still exiting). */
  waitMs?: number;
}

const DEFAULT_WAIT_MS = 2_000;
/** sun_path holds 108 bytes on Linux, 104 on macOS, the terminating NUL included. */
const MAX_SOCKET_PATH = 103;
const NONCE = /^[0-9a-f]{16}$/;

/** Locks this process holds (their claims): never probed (alive), and a second acquire is refused at once. */
const heldHere = new Set<string>();

function readTextOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const BOOT_ID = readTextOrUndefined('/proc/sys/kernel/random/boot_id')?.trim() || undefined;

function ownPidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

/** State and start time of a process from `/proc/<pid>/stat`; 'no-proc' where there is no procfs. */
function procStat(pid: number | 'self'): { state: string; startTime: number } | undefined | 'no-proc' {
  const text = readTextOrUndefined(`/proc/${pid}/stat`);
  if (text === undefined) return readTextOrUndefined('/proc/self/stat') === undefined ? 'no-proc' : undefined;
  // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const startTime = Number(fields[19]);
  return { state: fields[0] ?? '', startTime };
}

function ownIdentity(): LockOwner {
  const stat = procStat('self');
  return {
    pid: process.pid,
    host: os.hostname(),
    since: new Date().toISOString(),
    boot_id: BOOT_ID,
    pid_ns: ownPidNamespace(),
    start_time: typeof stat === 'object' && Number.isFinite(stat.startTime) ? stat.startTime : undefined,
  };
}

function killZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the owner's process still runs, judged by its pid (the fallback without a socket). */
function processAlive(owner: LockOwner): boolean {
  const ownNs = ownPidNamespace();
  // In another PID namespace the number names another process, or none: we cannot tell.
  if (owner.pid_ns && ownNs && owner.pid_ns !== ownNs) return true;
  const stat = procStat(owner.pid);
  if (stat === 'no-proc') return owner.pid !== process.pid && killZero(owner.pid);
  if (!stat) return false;
  // A zombie (or one being reaped) has closed its files and holds nothing.
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return owner.start_time === undefined || stat.startTime === owner.start_time;
}

/** A path to connect or bind to: the plain one, or on Linux a short one through a directory descriptor. */
function socketAddress(dir: string, name: string): { path: string; close(): void } | undefined {
  const plain = path.join(dir, name);
  if (Buffer.byteLength(plain) <= MAX_SOCKET_PATH) return { path: plain, close: () => undefined };
  if (process.platform !== 'linux') return undefined;
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return undefined;
  }
  const short = `/proc/self/fd/${fd}/${name}`;
  if (Buffer.byteLength(short) > MAX_SOCKET_PATH) {
    closeSync(fd);
    return undefined;
  }
  return { path: short, close: () => closeSync(fd) };
}

/** Listens on the claim's socket; undefined where no socket can be made (the pid fallback applies). */
async function listenForLiveness(dir: string, name: string): Promise<{ close(): Promise<void> } | undefined> {
  const address = socketAddress(dir, name);
  if (!address) return undefined;
  const server = net.createServer((connection) => connection.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Anyone who can see the lock may probe it (a restart under another user too).
      server.listen({ path: address.path, readableAll: true, writableAll: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch {
    address.close();
    return undefined;
  }
  server.on('error', () => undefined);
  // The socket must not keep the process alive.
  server.unref();
  return {
    // Closing unlinks the socket by the path it was bound to, so the directory descriptor stays open until then.
    close: () => new Promise<void>((resolve) => server.close(() => resolve())).finally(() => address.close()),
  };
}

type Probe = 'listening' | 'refused' | 'missing' | 'unknown' | 'unavailable';

function probeSocket(dir: string, name: string): Promise<Probe> {
  const address = socketAddress(dir, name);
  if (!address) return Promise.resolve('unavailable');
  return new Promise<Probe>((resolve) => {
    const socket = net.connect(address.path);
    let settled = false;
    const done = (result: Probe) => {
      // Once only: the directory descriptor must not be closed twice (its number may be reused).
      if (settled) return;
      settled = true;
      socket.destroy();
      address.close();
      resolve(result);
    };
    // A connect to a Unix socket answers at once; this only bounds something unforeseen.
    socket.setTimeout(1_000, () => done('unknown'));
    socket.once('connect', () => done('listening'));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      // EAGAIN (a full backlog), EACCES…: someone may be there.
      done(error.code === 'ECONNREFUSED' ? 'refused' : error.code === 'ENOENT' ? 'missing' : 'unknown'),
    );
  });
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const owner = value as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? (owner as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

interface Claim {
  /** The claim's file name; the lock file's own name for a lock of an earlier version. */
  name: string;
  legacy: boolean;
  owner: LockOwner | undefined;
  alive: boolean;
}

async function judge(dir: string, name: string, legacy: boolean): Promise<Claim> {
  const file = path.join(dir, name);
  const owner = readOwner(file);
  const claim = (alive: boolean): Claim => ({ name, legacy, owner, alive });
  if (heldHere.has(file)) return claim(true);
  if (legacy) {
    // Written by an earlier version as pid and host; a pid equal to ours is not us (we write claims).
    if (!owner) return claim(false);
    if (owner.host !== os.hostname()) return claim(true);
    return claim(owner.pid !== process.pid && processAlive(owner));
  }
  if (owner?.boot_id && BOOT_ID && owner.boot_id !== BOOT_ID) return claim(owner.host !== os.hostname());
  if (owner && !owner.boot_id && owner.host !== os.hostname()) return claim(true);
  const probe = await probeSocket(dir, `${name}.sock`);
  if (probe === 'listening' || probe === 'unknown') return claim(true);
  if (probe === 'refused') return claim(false);
  // No socket to ask (never made, or removed): the process itself.
  return claim(owner !== undefined && processAlive(owner));
}

/** Every claim on the lock but `own` (and the earlier versions' lock file), judged. */
async function otherClaims(dir: string, stem: string, own: string): Promise<Claim[]> {
  const claims: Claim[] = [];
  for (const name of readdirSync(dir)) {
    if (name === own) continue;
    if (name === stem) claims.push(await judge(dir, name, true));
    else if (name.startsWith(`${stem}.`) && NONCE.test(name.slice(stem.length + 1))) claims.push(await judge(dir, name, false));
  }
  return claims;
}

/** Removes dead claims with their sockets, and sockets a crash left without a claim. */
async function removeDead(dir: string, stem: string, claims: Claim[]): Promise<void> {
  for (const claim of claims.filter((c) => !c.alive)) {
    rmSync(path.join(dir, claim.name), { force: true });
    if (!claim.legacy) removeSocketFile(path.join(dir, `${claim.name}.sock`));
  }
  const names = new Set(readdirSync(dir));
  for (const name of names) {
    const nonce = name.startsWith(`${stem}.`) && name.endsWith('.sock') ? name.slice(stem.length + 1, -'.sock'.length) : '';
    if (!NONCE.test(nonce) || names.has(`${stem}.${nonce}`)) continue;
    // A process between binding and writing its claim listens already: only refused sockets go.
    if ((await probeSocket(dir, name)) === 'refused') removeSocketFile(path.join(dir, name));
  }
}

function removeSocketFile(file: string): void {
  try {
    if (lstatSync(file).isSocket()) rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The live owner of the lock at `file`, without taking it (for a lock location of an earlier
 * version): `{ owner }` when a claim (or the earlier versions' lock file) is alive after waiting
 * up to `waitMs` for it to go, else undefined, its dead claims removed where the directory allows.
 * A directory that is missing or cannot be read holds no claim we can see: undefined.
 */
export async function liveLockOwner(file: string, options: LockOptions = {}): Promise<{ owner: LockOwner | undefined } | undefined> {
  const dir = path.dirname(file);
  const stem = path.basename(file);
  const deadline = Date.now() + (options.waitMs ?? DEFAULT_WAIT_MS);
  for (;;) {
    let claims: Claim[];
    try {
      claims = await otherClaims(dir, stem, '');
    } catch {
      return undefined;
    }
    const live = claims.find((c) => c.alive);
    if (!live) {
      await removeDead(dir, stem, claims).catch(() => undefined);
      return undefined;
    }
    if (heldHere.has(path.join(dir, live.name)) || Date.now() >= deadline) return { owner: live.owner };
    await pause(20 + Math.random() * 60);
  }
}

/**
 * Takes the lock or throws LockHeldError; returns the release function (also run at exit).
 * `file` names the lock (`<dir>/<store>.lock`); claims and sockets are written next to it.
 */
export async function acquireProcessLock(file: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const dir = path.dirname(file);
  const stem = path.basename(file);
  const name = `${stem}.${randomBytes(8).toString('hex')}`;
  const claimFile = path.join(dir, name);
  const socketFile = `${claimFile}.sock`;
  // Bound before the claim exists, so a claim never looks dead while its owner lives.
  const liveness = await listenForLiveness(dir, `${name}.sock`);
  const deadline = Date.now() + (options.waitMs ?? DEFAULT_WAIT_MS);
  let others: Claim[];
  try {
    for (;;) {
      others = await otherClaims(dir, stem, name);
      let blocker = others.find((c) => c.alive);
      if (!blocker) {
        await writeFileAtomic(claimFile, JSON.stringify({ ...ownIdentity(), socket: liveness !== undefined }));
        // Whoever claimed meanwhile: the later of two to look sees the other's claim.
        others = await otherClaims(dir, stem, name);
        blocker = others.find((c) => c.alive);
        if (!blocker) break;
        rmSync(claimFile, { force: true });
      }
      // A lock this very process holds is not going away.
      if (heldHere.has(path.join(dir, blocker.name)) || Date.now() >= deadline) throw new LockHeldError(file, blocker.owner);
      await pause(20 + Math.random() * 60);
    }
  } catch (error) {
    rmSync(claimFile, { force: true });
    await liveness?.close();
    throw error;
  }
  heldHere.add(claimFile);
  await removeDead(dir, stem, others);

  const onExit = () => {
    rmSync(claimFile, { force: true });
    removeSocketFile(socketFile);
  };
  process.once('exit', onExit);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    process.off('exit', onExit);
    heldHere.delete(claimFile);
    // The claim goes first: a claim whose socket is gone would be judged by its pid.
    await fs.rm(claimFile, { force: true });
    await liveness?.close();
    removeSocketFile(socketFile);
  };
}
