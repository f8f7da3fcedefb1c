/**
 * The backup of a task directory, without a server: candidates, naming, the record, error
 * handling with an injected failing file operation, symlinks, recovery, retention, diff and restore.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyRetention, diffBackup, listBackups, restoreBackup } from '../../src/backup/backup-catalog.js';
import { BACKUP_JOURNAL_FILE, backupRecordSchema, readBackupRecord } from '../../src/backup/backup-record.js';
import { backupTaskDirectory, recoverInterruptedBackups } from '../../src/backup/file-backup.js';
import { defaultFileOps, type FileOps } from '../../src/backup/file-ops.js';
import { makeTempDir, PROJECT_ROOT } from '../support/env.js';

async function taskDirWith(files: Record<string, string>, dirs: string[] = []): Promise<string> {
  const dir = await makeTempDir('dp-backup-');
  for (const d of dirs) await fs.mkdir(path.join(dir, d), { recursive: true });
  for (const [name, content] of Object.entries(files)) await fs.writeFile(path.join(dir, name), content);
  return dir;
}

const backupDirs = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.startsWith('file_bak_'))
    .sort();

describe('file backup of a task directory', () => {
  it('does nothing for an empty directory, only table_list.txt, or only subdirectories', async () => {
    for (const dir of [
      await taskDirWith({}),
      await taskDirWith({ 'table_list.txt': 'orders' }),
      await taskDirWith({ 'table_list.txt': 'x' }, ['vector_bak', 'sub/deeper']),
    ]) {
      const outcome = await backupTaskDirectory(dir, { taskId: 't', trigger: 'execute' });
      expect(outcome).toMatchObject({ performed: false, directory: null, record: null, error: null });
      expect(backupDirs(dir)).toEqual([]);
    }
  });

  it('moves every top-level file but table_list.txt, names unchanged, and records it as specified', async () => {
    const dir = await taskDirWith(
      {
        'table_list.txt': 'orders',
        'old_file.ddl': 'ddl',
        'old_data.json': '{}',
        'some_log.log': 'log',
        'qs_x_20250101_000000_pair.json.backup': '[]',
        '.hidden': 'h',
      },
      ['some_subdir', 'vector_bak', 'file_bak_20200101_000000'],
    );
    await fs.writeFile(path.join(dir, 'some_subdir', 'file.txt'), 'stays');
    const outcome = await backupTaskDirectory(dir, { taskId: 'task_20250721_083557', trigger: 'execute', now: () => new Date(2025, 0, 21, 9, 44, 0, 123) });
    expect(outcome.performed).toBe(true);
    expect(path.basename(outcome.directory as string)).toBe('file_bak_20250121_094400');
    expect(readdirSync(dir).sort()).toEqual(['file_bak_20200101_000000', 'file_bak_20250121_094400', 'some_subdir', 'table_list.txt', 'vector_bak']);
    expect(readdirSync(outcome.directory as string).sort()).toEqual([
      '.hidden',
      'backup_info.json',
      'old_data.json',
      'old_file.ddl',
      'qs_x_20250101_000000_pair.json.backup',
      'some_log.log',
    ]);
    expect(readFileSync(path.join(dir, 'some_subdir', 'file.txt'), 'utf8')).toBe('stays');
    const record = JSON.parse(readFileSync(path.join(outcome.directory as string, 'backup_info.json'), 'utf8')) as Record<string, unknown>;
    // The specification's example, field by field, then ours.
    expect(record).toMatchObject({
      backup_time: '2025-01-21T09:44:00.123000',
      backup_directory: 'file_bak_20250121_094400',
      moved_files: ['.hidden', 'old_data.json', 'old_file.ddl', 'qs_x_20250101_000000_pair.json.backup', 'some_log.log'],
      failed_files: [],
      task_id: 'task_20250721_083557',
    });
    expect(typeof record.backup_time).toBe('string');
    expect(Object.keys(record)).toEqual([
      'backup_time',
      'backup_directory',
      'moved_files',
      'copied_files',
      'failed_files',
      'task_id',
      'total_bytes',
      'duration_ms',
      'trigger',
      'status',
    ]);
    expect(record).toMatchObject({ copied_files: [], total_bytes: 3 + 2 + 3 + 2 + 1, trigger: 'execute', status: 'completed' });
    expect(backupRecordSchema.safeParse(record).success).toBe(true);
    expect(existsJournal(outcome.directory as string)).toBe(false);
    expect(outcome.log.map((l) => l.message).join('\n')).toMatch(
      /backup started at .*\n[\s\S]*moved .*old_file\.ddl[\s\S]*backup finished at .* in \d+ ms: .*file_bak_20250121_094400/,
    );
  });

  it('adds _1, _2… when the name is taken, one directory per backup', async () => {
    const dir = await taskDirWith({ 'a.ddl': 'a' }, ['file_bak_20250121_094400']);
    const at = () => new Date(2025, 0, 21, 9, 44, 0);
    const first = await backupTaskDirectory(dir, { taskId: 't', trigger: 'execute', now: at });
    await fs.writeFile(path.join(dir, 'b.ddl'), 'b');
    const second = await backupTaskDirectory(dir, { taskId: 't', trigger: 'execute', now: at });
    expect([first.directory, second.directory].map((d) => path.basename(d as string))).toEqual(['file_bak_20250121_094400_1', 'file_bak_20250121_094400_2']);
    // Concurrent backups in the same second never share a directory.
    const dirs = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const d = await taskDirWith({ [`f${i}.txt`]: 'x' });
        return { d, outcome: await backupTaskDirectory(d, { taskId: 't', trigger: 'execute', now: at }) };
      }),
    );
    for (const { d, outcome } of dirs) expect(backupDirs(d)).toEqual([path.basename(outcome.directory as string)]);
  });

  it('moves a symlink as a link, never following it', async () => {
    const outside = await makeTempDir('dp-outside-');
    await fs.writeFile(path.join(outside, 'target.txt'), 'outside content');
    const dir = await taskDirWith({ 'a.ddl': 'a' });
    await fs.symlink(path.join(outside, 'target.txt'), path.join(dir, 'link.txt'));
    await fs.symlink(path.join(outside), path.join(dir, 'dirlink'));
    const outcome = await backupTaskDirectory(dir, { taskId: 't', trigger: 'execute' });
    const moved = path.join(outcome.directory as string, 'link.txt');
    expect(lstatSync(moved).isSymbolicLink()).toBe(true);
    expect(readlinkSync(moved)).toBe(path.join(outside, 'target.txt'));
    expect(lstatSync(path.join(outcome.directory as string, 'dirlink')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(outside, 'target.txt'), 'utf8')).toBe('outside content');
    expect(outcome.record?.moved_files).toEqual(['a.ddl', 'dirlink', 'link.txt']);
  });

  it('copies and verifies a file that cannot be moved; records one that can be neither moved nor copied, and goes on', async () => {
    const dir = await taskDirWith({ 'a.ddl': 'a', 'stuck.md': 'stuck', 'locked.json': '{"x":1}', 'z.log': 'z' });
    const ops: FileOps = {
      ...defaultFileOps,
      rename: (from, to) => {
        if (/stuck\.md$|locked\.json$/.test(from)) throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
        return defaultFileOps.rename(from, to);
      },
      copyFile: (from, to) => {
        if (from.endsWith('locked.json')) throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
        return defaultFileOps.copyFile(from, to);
      },
    };
    const outcome = await backupTaskDirectory(dir, { taskId: 't', trigger: 'execute', ops });
    expect(outcome.performed).toBe(true);
    expect(outcome.record).toMatchObject({ moved_files: ['a.ddl', 'z.log'], copied_files: ['stuck.md'], status: 'partial' });
    expect(outcome.record?.failed_files).toEqual([
      { file: 'locked.json', error: 'move failed (EPERM: operation not permitted); copy failed (EACCES: permission denied)' },
    ]);
    expect(readFileSync(path.join(outcome.directory as string, 'stuck.md'), 'utf8')).toBe('stuck');
    expect(readFileSync(path.join(dir, 'stuck.md'), 'utf8')).toBe('stuck');
    expect(readFileSync(path.join(dir, 'locked.json'), 'utf8')).toBe('{"x":1}');
    expect(
      outcome.log
        .filter((l) => l.level === 'WARNING')
        .map((l) => l.message)
        .join('\n'),
    ).toMatch(/locked\.json could not be backed up: move failed/);
  });

  it('reports a backup directory that cannot be created, moving nothing', async () => {
    const dir = await taskDirWith({ 'a.ddl': 'a' });
    // A file where the directory should go makes mkdir fail with something other than EEXIST.
    await fs.chmod(dir, 0o555);
    const outcome = await backupTaskDirectory(dir, { taskId: 't', trigger: 'execute' }).finally(() => fs.chmod(dir, 0o755));
    if (process.getuid?.() === 0) {
      // Root ignores directory permissions: the backup goes through.
      expect(outcome.performed).toBe(true);
    } else {
      expect(outcome).toMatchObject({ performed: false, error: expect.stringMatching(/cannot create the backup directory/) });
      expect(readFileSync(path.join(dir, 'a.ddl'), 'utf8')).toBe('a');
    }
  });

  it('completes a backup interrupted after its journal, and leaves other backup directories alone', async () => {
    const dir = await taskDirWith({ 'a.ddl': 'a', 'b.md': 'b', 'c.json': 'c' });
    const backup = path.join(dir, 'file_bak_20250101_000000');
    await fs.mkdir(backup);
    await fs.writeFile(
      path.join(backup, BACKUP_JOURNAL_FILE),
      JSON.stringify({
        task_id: 't',
        backup_directory: 'file_bak_20250101_000000',
        trigger: 'execute',
        backup_time: '2025-01-01T00:00:00.000000',
        started_at_ms: Date.now(),
        planned: ['a.ddl', 'b.md', 'c.json'],
      }),
    );
    await fs.rename(path.join(dir, 'a.ddl'), path.join(backup, 'a.ddl'));
    await fs.mkdir(path.join(dir, 'file_bak_20250101_000001'));
    const log = await recoverInterruptedBackups(dir);
    expect(log.map((l) => l.message).join('\n')).toMatch(/completed file_bak_20250101_000000/);
    expect(readBackupRecord(backup)).toMatchObject({ moved_files: ['a.ddl', 'b.md', 'c.json'], failed_files: [], total_bytes: 3, status: 'completed' });
    expect(readdirSync(dir).sort()).toEqual(['file_bak_20250101_000000', 'file_bak_20250101_000001']);
    expect(existsJournal(backup)).toBe(false);
  });

  it('applies retention only to backups with a valid record, never the newest', async () => {
    const dir = await taskDirWith({});
    for (const [i, day] of [1, 2, 3, 4].entries()) {
      await fs.writeFile(path.join(dir, `f${i}.ddl`), String(i));
      await backupTaskDirectory(dir, { taskId: 't', trigger: 'execute', now: () => new Date(2025, 0, day, 12) });
    }
    await fs.mkdir(path.join(dir, 'file_bak_20240101_000000'));
    await fs.writeFile(path.join(dir, 'file_bak_20240101_000000', 'keep.txt'), 'no record');
    expect(applyRetention(dir, {}, new Date(2025, 0, 10))).toEqual([]);
    expect(applyRetention(dir, { keepLast: 3 }, new Date(2025, 0, 10))).toEqual(['file_bak_20250101_120000']);
    expect(applyRetention(dir, { maxAgeDays: 7.5 }, new Date(2025, 0, 10, 13))).toEqual(['file_bak_20250102_120000']);
    expect(applyRetention(dir, { maxAgeDays: 1, keepLast: 1 }, new Date(2025, 0, 30))).toEqual(['file_bak_20250103_120000']);
    expect(backupDirs(dir)).toEqual(['file_bak_20240101_000000', 'file_bak_20250104_120000']);
    expect(listBackups(dir).map((b) => [b.name, b.valid, b.status])).toEqual([
      ['file_bak_20250104_120000', true, 'completed'],
      ['file_bak_20240101_000000', false, 'invalid'],
    ]);
  });

  it('restores a backup after backing up the current files, leaving the backup intact; then the diff is empty', async () => {
    const dir = await taskDirWith({ 'table_list.txt': 'orders', 'orders.ddl': 'v1', 'qs_db_20250101_000000_pair.json': '[{"question":"q","sql":"s"}]' });
    const first = await backupTaskDirectory(dir, { taskId: 't', trigger: 'execute', now: () => new Date(2025, 0, 1) });
    await fs.writeFile(path.join(dir, 'orders.ddl'), 'v2');
    await fs.writeFile(path.join(dir, 'customers.ddl'), 'new');
    await fs.writeFile(path.join(dir, 'qs_db_20250101_000000_pair.json'), '[]');
    const name = path.basename(first.directory as string);
    const diff = diffBackup(dir, name);
    expect(diff).toMatchObject({ added: ['customers.ddl'], removed: [], changed: ['orders.ddl', 'qs_db_20250101_000000_pair.json'], unchanged: [] });
    expect(diff.pair_files).toEqual([{ file: 'qs_db_20250101_000000_pair.json', backup_pairs: 1, current_pairs: 0 }]);
    const restored = await restoreBackup(dir, name, { taskId: 't' });
    expect(restored.restored_files).toEqual(['orders.ddl', 'qs_db_20250101_000000_pair.json']);
    expect(restored.pre_restore_backup.record).toMatchObject({
      trigger: 'restore',
      moved_files: ['customers.ddl', 'orders.ddl', 'qs_db_20250101_000000_pair.json'],
    });
    expect(diffBackup(dir, name)).toMatchObject({ added: [], removed: [], changed: [] });
    expect(readFileSync(path.join(dir, 'orders.ddl'), 'utf8')).toBe('v1');
    expect(readFileSync(path.join(dir, 'table_list.txt'), 'utf8')).toBe('orders');
    expect(readdirSync(first.directory as string).sort()).toEqual(['backup_info.json', 'orders.ddl', 'qs_db_20250101_000000_pair.json']);
  });

  it('restores nothing over a current file that could not be backed up first; it is kept and reported', async () => {
    const dir = await taskDirWith({ 'orders.ddl': 'v1', 'stuck.md': 'old stuck' });
    const first = await backupTaskDirectory(dir, { taskId: 't', trigger: 'execute', now: () => new Date(2025, 0, 1) });
    await fs.writeFile(path.join(dir, 'orders.ddl'), 'v2');
    await fs.writeFile(path.join(dir, 'stuck.md'), 'the only copy of the current stuck.md');
    const refusing: FileOps = {
      ...defaultFileOps,
      rename: (from, to) => {
        if (from.endsWith('stuck.md')) throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
        return defaultFileOps.rename(from, to);
      },
      copyFile: (from, to) => {
        if (from.endsWith('stuck.md')) throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
        return defaultFileOps.copyFile(from, to);
      },
    };
    const restored = await restoreBackup(dir, path.basename(first.directory as string), { taskId: 't', ops: refusing });
    expect(restored.restored_files).toEqual(['orders.ddl']);
    expect(restored.skipped_files).toEqual([{ file: 'stuck.md', reason: expect.stringMatching(/could not be backed up first .*it was kept/) }]);
    expect(readFileSync(path.join(dir, 'stuck.md'), 'utf8')).toBe('the only copy of the current stuck.md');
    expect(readFileSync(path.join(dir, 'orders.ddl'), 'utf8')).toBe('v1');
  });

  it('never lets a failed backup (nothing moved) push a good one out by retention', async () => {
    const dir = await taskDirWith({ 'a.ddl': 'a' });
    await backupTaskDirectory(dir, { taskId: 't', trigger: 'execute', now: () => new Date(2025, 0, 1, 12) });
    // A newer backup whose every file failed: a valid record with status failed.
    await fs.writeFile(path.join(dir, 'b.ddl'), 'b');
    const refuseAll: FileOps = {
      rename: () => {
        throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
      },
      copyFile: () => {
        throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
      },
      copyLink: defaultFileOps.copyLink,
    };
    const failed = await backupTaskDirectory(dir, { taskId: 't', trigger: 'execute', ops: refuseAll, now: () => new Date(2025, 0, 2, 12) });
    expect(failed.record?.status).toBe('failed');
    expect(applyRetention(dir, { keepLast: 1 }, new Date(2025, 0, 3))).toEqual([]);
    expect(backupDirs(dir)).toEqual(['file_bak_20250101_120000', 'file_bak_20250102_120000']);
  });

  it('removes backup directories a crash left while writing their journal (only our temp files), and lists them no more', async () => {
    const dir = await taskDirWith({ 'a.ddl': 'a' });
    const made = async (name: string, files: Record<string, string>) => {
      await fs.mkdir(path.join(dir, name));
      for (const [file, content] of Object.entries(files)) await fs.writeFile(path.join(dir, name, file), content);
    };
    // Killed while the journal was written (the case); killed with a record's temp file too.
    await made('file_bak_20250101_000000', { '..backup_journal.json.4242-2.tmp': '{"task_id":"t","backup_dir' });
    await made('file_bak_20250101_000001', { '..backup_journal.json.4242-2.tmp': '', '.backup_info.json.4242-3.tmp': '{' });
    // Not only our temp files: a file that is not ours, a temp name that is not a journal's, a temp
    // name that is a directory; and an empty one (killed right after the mkdir, or made by hand).
    await made('file_bak_20250102_000000', { '..backup_journal.json.4242-2.tmp': '{', 'b.ddl': 'b' });
    await made('file_bak_20250102_000001', { '.notes.4242-2.tmp': 'a user file' });
    await made('file_bak_20250102_000002', {});
    await fs.mkdir(path.join(dir, 'file_bak_20250102_000002', '..backup_journal.json.4242-2.tmp'));
    await made('file_bak_20250102_000003', {});
    const kept = ['file_bak_20250102_000000', 'file_bak_20250102_000001', 'file_bak_20250102_000002', 'file_bak_20250102_000003'];
    expect(listBackups(dir).map((b) => [b.name, b.status])).toEqual(
      [...kept.slice().reverse(), 'file_bak_20250101_000001', 'file_bak_20250101_000000'].map((n) => [n, 'invalid']),
    );

    const log = await recoverInterruptedBackups(dir);
    expect(log.map((l) => l.message).sort()).toEqual(
      ['file_bak_20250101_000000', 'file_bak_20250101_000001'].map((n) => `backup: removed ${n}, interrupted before anything was moved into it`),
    );
    expect(backupDirs(dir)).toEqual(kept);
    expect(readdirSync(path.join(dir, 'file_bak_20250102_000000')).sort()).toEqual(['..backup_journal.json.4242-2.tmp', 'b.ddl']);
    expect(readdirSync(path.join(dir, 'file_bak_20250102_000001'))).toEqual(['.notes.4242-2.tmp']);
    expect(readdirSync(path.join(dir, 'file_bak_20250102_000002'))).toEqual(['..backup_journal.json.4242-2.tmp']);
    expect(readdirSync(path.join(dir, 'file_bak_20250102_000003'))).toEqual([]);
    expect(listBackups(dir).map((b) => [b.name, b.status, b.file_count])).toEqual([
      ['file_bak_20250102_000003', 'invalid', 0],
      ['file_bak_20250102_000002', 'invalid', 0],
      ['file_bak_20250102_000001', 'invalid', 0],
      ['file_bak_20250102_000000', 'invalid', 1],
    ]);
    // The task's own files were not touched, and the next backup is one more directory.
    expect(readFileSync(path.join(dir, 'a.ddl'), 'utf8')).toBe('a');
    const next = await backupTaskDirectory(dir, { taskId: 't', trigger: 'execute', now: () => new Date(2025, 0, 3) });
    expect(next.record?.moved_files).toEqual(['a.ddl']);
    expect(backupDirs(dir)).toEqual([...kept, 'file_bak_20250103_000000']);
  });

  it('leaves files of completed backups alone at recovery, even names that look like temp files', async () => {
    const dir = await taskDirWith({ '.notes.1-2.tmp': 'moved, not ours', 'a.ddl': 'a' });
    const made = await backupTaskDirectory(dir, { taskId: 't', trigger: 'execute', now: () => new Date(2025, 0, 1) });
    expect(made.record?.moved_files).toEqual(['.notes.1-2.tmp', 'a.ddl']);
    await recoverInterruptedBackups(dir);
    expect(readdirSync(made.directory as string).sort()).toEqual(['.notes.1-2.tmp', 'a.ddl', 'backup_info.json']);
  });
});

function existsJournal(dir: string): boolean {
  return readdirSync(dir).includes(BACKUP_JOURNAL_FILE);
}

const sha = (text: Buffer) => createHash('sha256').update(text).digest('hex');

describe('crash safety', () => {
  const FILES = 2000;

  async function prepare(run: number): Promise<{ dir: string; expected: Map<string, string> }> {
    const dir = await makeTempDir('dp-crash-');
    const expected = new Map<string, string>();
    for (let i = 0; i < FILES; i += 1) {
      const content = Buffer.from(`file ${i} of run ${run}: ${'x'.repeat(i % 97)}`);
      const name = `f${String(i).padStart(4, '0')}.${['ddl', 'md', 'json', 'log'][i % 4]}`;
      await fs.writeFile(path.join(dir, name), content);
      expected.set(name, sha(content));
    }
    await fs.writeFile(path.join(dir, 'table_list.txt'), 'keep');
    return { dir, expected };
  }

  /** Pause after each move in the child: 2,000 files then take a few seconds, so the kills land inside. */
  const PAUSE_MS = 1;

  /** Runs the backup in a child process; kills it `killAfterMs` after it started (undefined: let it finish). Returns the backup's duration. */
  async function backupInChild(dir: string, killAfterMs?: number): Promise<number> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'test/support/backup-child.ts'), dir, String(PAUSE_MS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let started = 0;
    let finished = 0;
    const lines = (async () => {
      for await (const chunk of child.stdout) {
        const text = String(chunk);
        if (text.includes('started') && !started) started = Date.now();
        if (text.includes('done')) finished = Date.now();
      }
    })();
    while (!started && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 2));
    if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    await lines;
    return (finished || Date.now()) - started;
  }

  function check(dir: string, expected: Map<string, string>, label: string): void {
    // Every file exactly once, with its content; every record lists exactly what its directory holds.
    const seen = new Map<string, string>();
    for (const name of readdirSync(dir)) {
      if (name === 'table_list.txt') continue;
      const full = path.join(dir, name);
      if (lstatSync(full).isDirectory()) {
        const held = readdirSync(full).filter((f) => f !== 'backup_info.json');
        // A kill between creating the directory and writing its journal leaves it empty: nothing lost.
        // One killed while its journal was written is removed by the recovery: not seen here.
        if (held.length === 0 && !readBackupRecord(full)) continue;
        const record = readBackupRecord(full);
        expect(record, `${label}: ${name} has no valid record`).toBeDefined();
        expect([...(record?.moved_files ?? [])].sort(), label).toEqual(held.sort());
        expect(record?.failed_files, label).toEqual([]);
        for (const inner of held) {
          expect(seen.has(inner), `${inner} twice (${label})`).toBe(false);
          seen.set(inner, sha(readFileSync(path.join(full, inner))));
        }
      } else {
        expect(seen.has(name), `${name} twice (${label})`).toBe(false);
        seen.set(name, sha(readFileSync(full)));
      }
    }
    expect(seen, label).toEqual(expected);
    expect(readFileSync(path.join(dir, 'table_list.txt'), 'utf8')).toBe('keep');
  }

  it('loses and duplicates nothing when a backup of 2,000 files is killed at random points', { timeout: 600_000 }, async () => {
    // One backup left to finish tells how long one takes; the kills are spread over that time.
    const full = await prepare(-1);
    const duration = await backupInChild(full.dir);
    check(full.dir, full.expected, 'uninterrupted');
    await fs.rm(full.dir, { recursive: true, force: true });
    const runs = Number(process.env.DP_CRASH_RUNS ?? 10);
    let interrupted = 0;
    for (let run = 0; run < runs; run += 1) {
      const { dir, expected } = await prepare(run);
      const at = Math.floor(((run + Math.random()) / runs) * duration);
      await backupInChild(dir, at);
      // Killed mid-backup: a backup directory without its record.
      if (readdirSync(dir).some((n) => n.startsWith('file_bak_') && !readBackupRecord(path.join(dir, n)))) interrupted += 1;
      await recoverInterruptedBackups(dir);
      check(dir, expected, `run ${run}, killed ${at} ms in`);
      await fs.rm(dir, { recursive: true, force: true });
    }
    // The kills did land inside backups, not only before or after them.
    expect(interrupted).toBeGreaterThanOrEqual(Math.floor(runs / 3));
  });
});
