/** Paths stay inside their task directory, links included; writes are atomic. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { PathConfinementError } from '../src/errors.js';
import { assertFileName, assertTaskId, TaskDirectory } from '../src/task-directory/task-dir.js';
import { TaskLog, parseLogLine } from '../src/task-directory/task-log.js';
import { makeTempDir } from './support/env.js';

describe('task directory confinement', () => {
  let root: string;
  let dir: TaskDirectory;
  let outside: string;

  beforeEach(async () => {
    root = await makeTempDir('dp-dir-');
    dir = await TaskDirectory.open(path.join(root, 'task_1'), { create: true });
    outside = path.join(root, 'outside.txt');
    await fs.writeFile(outside, 'secret outside');
  });

  it('accepts plain names and refuses separators, dot names and control characters', () => {
    for (const name of ['orders.ddl', 'qs_db_20250101_000000_pair.json', '中文.md']) expect(() => assertFileName(name)).not.toThrow();
    for (const name of ['', '..', '.', '../x', 'a/b', 'a\\b', '/etc/passwd', '.hidden', 'a\u0000b', 'x'.repeat(256)]) {
      expect(() => assertFileName(name), JSON.stringify(name)).toThrow(PathConfinementError);
    }
    expect(() => dir.filePath('../outside.txt')).toThrow(/path separator/);
  });

  it('validates task ids', () => {
    expect(() => assertTaskId('task_20250101_000000')).not.toThrow();
    for (const id of ['', '..', '/', 'a/b', '%2e%2e', 'a b', 'x'.repeat(65)]) expect(() => assertTaskId(id), id).toThrow(/task_id/);
  });

  it('refuses to read through a link that points outside', async () => {
    await fs.symlink(outside, path.join(dir.path, 'evil.md'));
    await expect(dir.readText('evil.md')).rejects.toThrow(/resolves outside the task directory/);
    await expect(dir.exists('evil.md')).rejects.toThrow(PathConfinementError);
  });

  it('writing over a planted link replaces the link, never the file it points to', async () => {
    await fs.symlink(outside, path.join(dir.path, 'orders.ddl'));
    await dir.writeFile('orders.ddl', 'create table t ();');
    expect(await fs.readFile(outside, 'utf8')).toBe('secret outside');
    expect((await fs.lstat(path.join(dir.path, 'orders.ddl'))).isSymbolicLink()).toBe(false);
    expect(await dir.readText('orders.ddl')).toBe('create table t ();');
  });

  it('refuses to append a log through a link', async () => {
    await fs.symlink(outside, path.join(dir.path, 'data_pipeline.log'));
    await expect(TaskLog.open(dir)).rejects.toThrow(/ELOOP|symbolic link/);
    await expect(dir.appendFile('data_pipeline.log', 'x')).rejects.toThrow(/is a link/);
    expect(await fs.readFile(outside, 'utf8')).toBe('secret outside');
  });

  it('writes atomically: no temp file is left and listings skip temp names', async () => {
    await dir.writeFile('a.json', '{}');
    await fs.writeFile(path.join(dir.path, '.a.json.123.tmp'), 'partial');
    const names = (await dir.list()).map((e) => e.name);
    expect(names).toEqual(['a.json']);
    await dir.copyFile('a.json', 'a.json.backup');
    expect(await dir.readText('a.json.backup')).toBe('{}');
  });
});

describe('secrets never appear in logs', () => {
  it("masks the log's own secrets by value, and connection strings in any form, nothing else", async () => {
    const root = await makeTempDir('dp-log-');
    const dir = await TaskDirectory.open(root);
    const log = await TaskLog.open(dir, undefined, ['Very$ecret1']);
    log.forStep('ddl_generation').error('cannot connect with Very$ecret1\nsecond line');
    log.forStep('ddl_generation').info('see postgresql://x:Other-Pw-9@h/db and public.shop_orders');
    await log.close();
    const text = await dir.readText('data_pipeline.log');
    expect(text).not.toContain('Very$ecret1');
    expect(text).not.toContain('Other-Pw-9');
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(parseLogLine(lines[0] as string)).toMatchObject({
      level: 'ERROR',
      logger: 'data_pipeline.ddl_generation',
      step: 'ddl_generation',
      message: 'cannot connect with *** | second line',
    });
    expect(parseLogLine(lines[1] as string)?.message).toBe('see postgresql://x:***@h/db and public.shop_orders');
  });
});
