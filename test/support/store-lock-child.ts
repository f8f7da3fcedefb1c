/**
 * A process for the store lock tests (run as PID 1 of its own PID namespace, or plainly).
 * `store-lock-child <store dir> hold|close` opens an embedded store as the server does at start,
 * then stays open until killed (`hold`) or closes and exits (`close`); it prints `open`, or
 * `in-use <message>` and exits 3 when another process holds the store.
 * `store-lock-child <lock file> lock` takes only the lock and holds it until killed; it prints
 * `held`, or `refused <message>` and exits 3.
 * Every mode prints `pid <n>` first.
 */
import { openEmbeddedStore, StoreInUseError } from '../../src/db/embedded-store.js';
import { acquireProcessLock, LockHeldError } from '../../src/db/process-lock.js';

const [target, mode] = process.argv.slice(2);
if (!target || (mode !== 'hold' && mode !== 'close' && mode !== 'lock')) throw new Error('usage: store-lock-child <store dir> hold|close, or <lock file> lock');
process.stdout.write(`pid ${process.pid}\n`);
const stay = () => setInterval(() => undefined, 60_000);
if (mode === 'lock') {
  try {
    await acquireProcessLock(target);
    process.stdout.write('held\n');
    stay();
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw error;
    process.stdout.write(`refused ${error.message}\n`);
    process.exit(3);
  }
} else {
  try {
    const db = await openEmbeddedStore(target);
    await db.query('SELECT 1');
    process.stdout.write('open\n');
    if (mode === 'close') {
      await db.close();
      process.exit(0);
    }
    stay();
  } catch (error) {
    if (!(error instanceof StoreInUseError)) throw error;
    process.stdout.write(`in-use ${error.message}\n`);
    process.exit(3);
  }
}
