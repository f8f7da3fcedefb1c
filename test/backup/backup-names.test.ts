/**
 * How backup directories are named lives in one module: the names the backup makes are the names
 * the catalog lists, the API's path parameter accepts and the CLI takes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBackups } from '../../src/backup/backup-catalog.js';
import { BACKUP_NAME, BACKUP_NAME_PATTERN, backupName, backupTimeOf, isBackupName } from '../../src/backup/backup-names.js';
import { backupTaskDirectory } from '../../src/backup/file-backup.js';
import { BackupParams } from '../../src/server/schemas/backups.js';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { makeTempDir } from '../support/env.js';

describe('backup names', () => {
  it('recognises what it makes, and nothing else', () => {
    expect(backupName('20250121_094400')).toBe('file_bak_20250121_094400');
    expect(backupName('20250121_094400', 2)).toBe('file_bak_20250121_094400_2');
    for (const name of [backupName('20250121_094400'), backupName('20250121_094400', 17)]) expect(isBackupName(name), name).toBe(true);
    for (const name of [
      'file_bak_2025012_094400',
      'file_bak_20250121_094400_',
      'file_bak_20250121_094400_x',
      'x_file_bak_20250121_094400',
      'file_bak_20250121',
    ]) {
      expect(isBackupName(name), name).toBe(false);
    }
    expect(backupTimeOf('file_bak_20250121_094400_1')).toBe('2025-01-21T09:44:00.000000');
    expect(BackupParams.properties.backup_name.pattern).toBe(BACKUP_NAME_PATTERN);
    expect(BACKUP_NAME.source).toBe(BACKUP_NAME_PATTERN);
  });

  it('lists the backups the backup made, under the names it gave them', async () => {
    const dir = await makeTempDir('dp-names-');
    writeFileSync(path.join(dir, 'a.ddl'), 'x');
    const first = await backupTaskDirectory(dir, { taskId: 't', trigger: 'execute' });
    writeFileSync(path.join(dir, 'b.ddl'), 'y');
    const second = await backupTaskDirectory(dir, { taskId: 't', trigger: 'execute' });
    mkdirSync(path.join(dir, 'file_bak_not_a_backup'));
    const made = [first.directory, second.directory].map((d) => path.basename(d ?? ''));
    expect(made.every(isBackupName)).toBe(true);
    expect(
      listBackups(dir)
        .map((b) => b.name)
        .sort(),
    ).toEqual([...made].sort());
  });
});

describe('backup names through the API', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('accepts every name the backup makes (404 when absent) and refuses others as invalid (400)', async () => {
    const created = await server.call('POST', '/api/v0/data_pipeline/tasks', { task_name: 'names' });
    const id = created.body.data.task_id as string;
    await server.call('POST', `/api/v0/data_pipeline/tasks/${id}/table-list`, { tables: ['orders'] });
    for (const name of [backupName('20250121_094400'), backupName('20250121_094400', 3)]) {
      const reply = await server.call('GET', `/api/v0/data_pipeline/tasks/${id}/backups/${name}`);
      expect(reply.status, name).toBe(404);
      expect(reply.body.data.error_code).toBe('BACKUP_NOT_FOUND');
    }
    const invalid = await server.call('GET', `/api/v0/data_pipeline/tasks/${id}/backups/file_bak_x`);
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body.data.invalid_params)).toContain('params.backup_name');
  });
});
