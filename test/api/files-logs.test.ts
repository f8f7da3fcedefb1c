/**
 * Contract of the table-list, file and log endpoints (api.md "Table list", "Files and logs"):
 * uploads with their limits and encodings, JSON table names, listings, downloads as attachments,
 * the overwrite modes, and log reads and queries on a log written here. One server (PostgreSQL store).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, taskPath, type TestServer } from '../support/api-server.js';
import { expectError, expectInvalid, expectMissing, expectSuccess, logLine, rawPath, rawRequest, uploadFile } from '../support/envelope-assertions.js';

const BASE = '/api/v0/data_pipeline/tasks';
const UNKNOWN = 'task_19990101_000000';
const GBK_HELLO = Buffer.from([0xc4, 0xe3, 0xba, 0xc3]); // "你好" in GBK

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
  if (server) await fs.rm(server.root, { recursive: true, force: true });
});

async function createTask(): Promise<string> {
  return expectSuccess(await server.call('POST', BASE, {}), 201).task_id as string;
}

const isIso = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value));
const readTaskFile = (id: string, name: string) => fs.readFile(path.join(taskPath(server, id), name), 'utf8');

describe('POST /tasks/{id}/upload-table-list', () => {
  const route = (id: string) => `${BASE}/${id}/upload-table-list`;

  it('stores the upload as table_list.txt and answers the documented fields', async () => {
    const id = await createTask();
    const content = '# tables\norders, customers\n\n-- views\nhr.employees\n';
    const data = expectSuccess(await uploadFile(server, route(id), { name: 'my tables.txt', content }));
    expect(data).toMatchObject({
      task_id: id,
      filename: 'table_list.txt',
      file_size: Buffer.byteLength(content),
      file_size_formatted: `${Buffer.byteLength(content)} B`,
      encoding: 'utf-8',
    });
    expect(isIso(data.upload_time)).toBe(true);
    expect(await readTaskFile(id, 'table_list.txt')).toBe(content);
    // A second upload replaces the first.
    expectSuccess(await uploadFile(server, route(id), { name: 'again.TXT', content: 'stores\n' }));
    expect(await readTaskFile(id, 'table_list.txt')).toBe('stores\n');
  });

  it('stores a GBK file as UTF-8 and drops a UTF-8 byte-order mark', async () => {
    const id = await createTask();
    const gbk = Buffer.concat([Buffer.from('# '), GBK_HELLO, Buffer.from('\norders\n')]);
    const data = expectSuccess(await uploadFile(server, route(id), { name: 'gbk.txt', content: gbk }));
    expect(data.encoding).toBe('gbk');
    expect(await readTaskFile(id, 'table_list.txt')).toBe('# 你好\norders\n');
    expect(data.file_size).toBe(Buffer.byteLength('# 你好\norders\n'));
    expect(data.response).toMatch(/GBK/);
    expectSuccess(await uploadFile(server, route(id), { name: 'bom.txt', content: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('stores\n')]) }));
    expect(await readTaskFile(id, 'table_list.txt')).toBe('stores\n');
  });

  it('reduces a client path to a base name (nothing written outside the task)', async () => {
    const id = await createTask();
    const evil = path.join(server.root, `evil-${Date.now()}.txt`);
    const data = expectSuccess(await uploadFile(server, route(id), { name: evil, content: 'orders\n' }));
    expect(data.original_filename).toBe(path.basename(evil));
    await expect(fs.stat(evil)).rejects.toThrow();
    expect(await readTaskFile(id, 'table_list.txt')).toBe('orders\n');
  });

  it('accepts .txt only, not empty, not blank (400 naming the file and what is accepted)', async () => {
    const id = await createTask();
    expectInvalid(await uploadFile(server, route(id), { name: 'tables.csv', content: 'orders\n' }), 'body.file', /tables\.csv/, /\.txt/);
    expectInvalid(await uploadFile(server, route(id), { name: 'tables', content: 'orders\n' }), 'body.file', /name/, /\.txt/);
    expectInvalid(await uploadFile(server, route(id), { name: 'empty.txt', content: '' }), 'body.file', /empty/, /non-empty/);
    expectInvalid(await uploadFile(server, route(id), { name: 'blank.txt', content: ' \n\n ' }), 'body.file', /blank/, /table name/);
    await expect(fs.stat(path.join(taskPath(server, id), 'table_list.txt'))).rejects.toThrow();
  });

  it('accepts 2 MB and refuses more with 413', async () => {
    const id = await createTask();
    const limit = 2 * 1024 * 1024;
    // (A comment pads it to the size limit: the list itself stays under the table limit.)
    const head = 'orders\n# ';
    const exact = head + 'x'.repeat(limit - head.length);
    expect(Buffer.byteLength(exact)).toBe(limit);
    expectSuccess(await uploadFile(server, route(id), { name: 'big.txt', content: exact }));
    const data = expectError(await uploadFile(server, route(id), { name: 'big.txt', content: `${exact}\n` }), 413, 'PAYLOAD_TOO_LARGE');
    expect(data.response).toMatch(/too large/);
  });

  it('requires the multipart field "file"', async () => {
    const id = await createTask();
    expectMissing(await uploadFile(server, route(id), undefined, { note: 'no file' }), 'body.file');
    expectInvalid(await uploadFile(server, route(id), { name: 't.txt', content: 'orders\n', field: 'upload' }), 'body.upload', /not expected/, /field "file"/);
    const json = await server.call('POST', route(id), { file: 'orders' });
    expectError(json, 400);
    expect(json.body.data.missing_params).toEqual(['body.file']);
    expect(json.body.message).toMatch(/multipart\/form-data/);
  });

  it('answers 404 for an unknown task and 400 for a malformed id', async () => {
    expectError(await uploadFile(server, route(UNKNOWN), { name: 't.txt', content: 'orders\n' }), 404, 'TASK_NOT_FOUND');
    expectInvalid(await uploadFile(server, route('bad.id'), { name: 't.txt', content: 'orders\n' }), 'params.task_id', /pattern/);
  });
});

describe('POST /tasks/{id}/table-list', () => {
  const route = (id: string) => `${BASE}/${id}/table-list`;

  it('writes names given as an array, dropping duplicates (original_count kept)', async () => {
    const id = await createTask();
    const data = expectSuccess(await server.call('POST', route(id), { tables: ['orders', 'public.orders', ' hr.employees ', 'customers', 'orders'] }));
    const text = 'public.orders\nhr.employees\npublic.customers\n';
    expect(data).toMatchObject({
      task_id: id,
      filename: 'table_list.txt',
      table_count: 3,
      unique_table_count: 3,
      original_count: 5,
      file_size: Buffer.byteLength(text),
      file_size_formatted: `${Buffer.byteLength(text)} B`,
    });
    expect(isIso(data.created_time)).toBe(true);
    expect(await readTaskFile(id, 'table_list.txt')).toBe(text);
  });

  it('writes names given as one comma-separated string', async () => {
    const id = await createTask();
    const data = expectSuccess(await server.call('POST', route(id), { tables: 'orders, customers,orders ,hr.employees' }));
    expect(data).toMatchObject({ table_count: 3, unique_table_count: 3, original_count: 4 });
    expect(await readTaskFile(id, 'table_list.txt')).toBe('public.orders\npublic.customers\nhr.employees\n');
  });

  it('accepts 1000 names and refuses 1001 (array or string) with 400', async () => {
    const id = await createTask();
    const names = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
    expect(expectSuccess(await server.call('POST', route(id), { tables: names(1000) })).table_count).toBe(1000);
    expectInvalid(
      await server.call('POST', route(id), { tables: names(1001) }),
      'body.tables',
      /^names 1001 tables; at most 1000 are accepted \(DP_MAX_TABLES\)$/,
      /1000/,
    );
    expectInvalid(await server.call('POST', route(id), { tables: names(1001).join(',') }), 'body.tables', /1001/, /at most 1000/);
  });

  it('refuses invalid names, naming each one', async () => {
    const id = await createTask();
    const res = await server.call('POST', route(id), { tables: ['orders', 'bad name', 'a.b.c', '"open'] });
    const data = expectInvalid(res, 'body.tables', /bad name/, /schema\.table/);
    expect(data.invalid_params).toHaveLength(3);
    expect(res.body.message).toContain('a.b.c');
    await expect(fs.stat(path.join(taskPath(server, id), 'table_list.txt'))).rejects.toThrow();
  });

  it('refuses no names, a missing field and a wrong type', async () => {
    const id = await createTask();
    for (const tables of [[], '', ' , ,']) expectInvalid(await server.call('POST', route(id), { tables }), 'body.tables', /no table/, /at least one/);
    expectMissing(await server.call('POST', route(id), {}), 'body.tables');
    expectMissing(await server.call('POST', route(id)), 'body.tables');
    expectInvalid(await server.call('POST', route(id), { tables: { orders: true } }), 'body.tables', /must be (array|string)/);
  });

  it('answers 404 for an unknown task', async () => {
    expectError(await server.call('POST', route(UNKNOWN), { tables: ['orders'] }), 404, 'TASK_NOT_FOUND');
  });
});

describe('GET /tasks/{id}/table-list-info', () => {
  const route = (id: string) => `${BASE}/${id}/table-list-info`;

  it('says when there is no table list yet', async () => {
    const id = await createTask();
    const data = expectSuccess(await server.call('GET', route(id)));
    expect(data).toMatchObject({ task_id: id, has_file: false, exists: false, file_name: 'table_list.txt', table_count: 0, table_names: [] });
  });

  it('describes the table list with every documented field', async () => {
    const id = await createTask();
    const content = '# comment\n-- another\n\norders, hr.employees\norders\n"CustomerFeedback"\n';
    await fs.writeFile(path.join(taskPath(server, id), 'table_list.txt'), content);
    const data = expectSuccess(await server.call('GET', route(id)));
    expect(data).toMatchObject({
      task_id: id,
      has_file: true,
      exists: true,
      file_name: 'table_list.txt',
      file_path: `${id}/table_list.txt`,
      file_size: Buffer.byteLength(content),
      file_size_formatted: `${Buffer.byteLength(content)} B`,
      table_count: 3,
      table_names: ['public.orders', 'hr.employees', 'public.CustomerFeedback'],
      is_readable: true,
    });
    expect(isIso(data.uploaded_at) && isIso(data.created_at)).toBe(true);
  });

  it('answers 404 for an unknown task', async () => {
    expectError(await server.call('GET', route(UNKNOWN)), 404, 'TASK_NOT_FOUND');
  });
});

describe('GET /tasks/{id}/files', () => {
  it('lists top-level files newest first with their type, and the directory info', async () => {
    const id = await createTask();
    const dir = taskPath(server, id);
    const files: [string, string, string][] = [
      ['orders.ddl', 'ddl', 'CREATE TABLE orders ();\n'],
      ['qs_x_pair.sql', 'sql', 'SELECT 1;\n'],
      ['orders_detail.md', 'markdown', '# orders\n'],
      ['task_result.json', 'json', '{}\n'],
      ['table_list.txt', 'text', 'orders\n'],
      ['data_pipeline.log', 'log', ''],
      ['blob.bin', 'other', 'xyz'],
    ];
    const base = Date.now() / 1000 - 3600;
    for (const [i, [name, , content]] of files.entries()) {
      await fs.writeFile(path.join(dir, name), content);
      await fs.utimes(path.join(dir, name), base + i * 10, base + i * 10);
    }
    await fs.mkdir(path.join(dir, 'vector_bak'));
    await fs.writeFile(path.join(dir, 'vector_bak', 'nested.csv'), 'a\n');

    const data = expectSuccess(await server.call('GET', `${BASE}/${id}/files`));
    expect(data.task_id).toBe(id);
    expect(data.files.map((f: { file_name: string }) => f.file_name)).toEqual(files.map(([name]) => name).reverse());
    for (const [name, type, content] of files) {
      const file = data.files.find((f: { file_name: string }) => f.file_name === name);
      expect(file).toMatchObject({
        file_type: type,
        file_size: Buffer.byteLength(content),
        file_size_formatted: `${Buffer.byteLength(content)} B`,
        is_readable: true,
      });
      expect(isIso(file.created_at) && isIso(file.modified_at)).toBe(true);
    }
    const total = files.reduce((sum, [, , content]) => sum + Buffer.byteLength(content), 0);
    expect(data.directory_info).toEqual({ exists: true, directory_path: id, total_files: files.length, total_size: total, total_size_formatted: `${total} B` });
  });

  it('answers an empty list for a task without a directory, 404 for an unknown task, 400 for a bad id', async () => {
    const id = await createTask();
    expectSuccess(await server.call('DELETE', BASE, { task_ids: [id], confirm: true }));
    const data = expectSuccess(await server.call('GET', `${BASE}/${id}/files`));
    expect(data.files).toEqual([]);
    expect(data.directory_info).toMatchObject({ exists: false, total_files: 0, total_size: 0 });
    expectError(await server.call('GET', `${BASE}/${UNKNOWN}/files`), 404, 'TASK_NOT_FOUND');
    expectInvalid(await rawPath(server, 'GET', `${BASE}/%2E%2E/files`), 'params.task_id', /pattern/);
  });
});

describe('GET /tasks/{id}/files/{file_name}', () => {
  let id: string;

  beforeAll(async () => {
    id = await createTask();
    const dir = taskPath(server, id);
    await fs.writeFile(path.join(dir, 'orders.ddl'), 'CREATE TABLE orders ();\n');
    await fs.writeFile(path.join(dir, '表.md'), '# 表\n');
    await fs.mkdir(path.join(dir, 'sub'));
    await fs.writeFile(path.join(server.root, 'secret.txt'), 'outside');
    await fs.symlink(path.join(server.root, 'secret.txt'), path.join(dir, 'link.txt'));
  });

  it('downloads a file as an attachment with its content type', async () => {
    const response = await fetch(`${server.url}${BASE}/${id}/files/orders.ddl`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="orders.ddl"; filename*=UTF-8''orders.ddl`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('CREATE TABLE orders ();\n');
    const utf8 = await fetch(`${server.url}${BASE}/${id}/files/${encodeURIComponent('表.md')}`);
    expect(utf8.status).toBe(200);
    expect(utf8.headers.get('content-disposition')).toBe(`attachment; filename="_.md"; filename*=UTF-8''${encodeURIComponent('表.md')}`);
    expect(utf8.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(await utf8.text()).toBe('# 表\n');
  });

  it('answers 404 for an unknown file, a directory or an unknown task; 400 for a link leaving the task', async () => {
    for (const name of ['missing.ddl', 'sub']) {
      const data = expectError(await server.call('GET', `${BASE}/${id}/files/${name}`), 404, 'FILE_NOT_FOUND');
      expect(data.response).toContain(name);
    }
    // A link leading out of the task directory is refused, its target never read.
    const link = await server.call('GET', `${BASE}/${id}/files/link.txt`);
    expect(expectError(link, 400, 'INVALID_PATH').response).toMatch(/outside the task directory/);
    expect(JSON.stringify(link.body)).not.toContain('outside"');
    expectError(await server.call('GET', `${BASE}/${UNKNOWN}/files/orders.ddl`), 404, 'TASK_NOT_FOUND');
  });

  it('refuses names that are not a single file name (400)', async () => {
    for (const name of ['..%2F..%2Fsecret.txt', '%2E%2E', '.hidden']) {
      const res = await rawPath(server, 'GET', `${BASE}/${id}/files/${name}`);
      expectError(res, 400);
      expect(JSON.stringify(res.body)).not.toContain('outside');
    }
  });
});

describe('POST /tasks/{id}/files', () => {
  const route = (id: string) => `${BASE}/${id}/files`;

  it('keeps the existing file as {name}_bak1, then _bak2 (backup, the default)', async () => {
    const id = await createTask();
    const first = expectSuccess(await uploadFile(server, route(id), { name: 'notes.md', content: 'one' }));
    expect(first.uploaded_file).toMatchObject({ filename: 'notes.md', size: 3, size_formatted: '3 B', overwrite_mode: 'backup' });
    expect(isIso(first.uploaded_file.uploaded_at)).toBe(true);
    expect(first.backup_info).toBeUndefined();

    const second = expectSuccess(await uploadFile(server, route(id), { name: 'notes.md', content: 'two' }));
    expect(second.backup_info).toMatchObject({ had_existing_file: true, backup_filename: 'notes.md_bak1', backup_version: 1 });
    const third = expectSuccess(await uploadFile(server, route(id), { name: 'notes.md', content: 'three' }, { overwrite_mode: 'backup' }));
    expect(third.backup_info).toMatchObject({ backup_filename: 'notes.md_bak2', backup_version: 2 });
    expect(await readTaskFile(id, 'notes.md')).toBe('three');
    expect(await readTaskFile(id, 'notes.md_bak1')).toBe('one');
    expect(await readTaskFile(id, 'notes.md_bak2')).toBe('two');
    const listed = expectSuccess(await server.call('GET', route(id))).files.map((f: { file_name: string }) => f.file_name);
    expect(listed).toEqual(expect.arrayContaining(['notes.md', 'notes.md_bak1', 'notes.md_bak2']));
  });

  it('replaces without a backup, and skips an existing file', async () => {
    const id = await createTask();
    expectSuccess(await uploadFile(server, route(id), { name: 'q.sql', content: 'SELECT 1;' }));
    const replaced = expectSuccess(await uploadFile(server, route(id), { name: 'q.sql', content: 'SELECT 2;' }, { overwrite_mode: 'replace' }));
    expect(replaced.uploaded_file.overwrite_mode).toBe('replace');
    expect(replaced.backup_info).toBeUndefined();
    expect(await readTaskFile(id, 'q.sql')).toBe('SELECT 2;');
    const skipped = expectSuccess(await uploadFile(server, route(id), { name: 'q.sql', content: 'SELECT 3;' }, { overwrite_mode: 'skip' }));
    expect(skipped.uploaded_file).toMatchObject({ filename: 'q.sql', overwrite_mode: 'skip', skipped: true });
    expect(await readTaskFile(id, 'q.sql')).toBe('SELECT 2;');
    // skip writes a file that does not exist yet.
    expectSuccess(await uploadFile(server, route(id), { name: 'new.json', content: '{}' }, { overwrite_mode: 'skip' }));
    expect(await readTaskFile(id, 'new.json')).toBe('{}');
    expect((await fs.readdir(taskPath(server, id))).filter((n) => n.includes('_bak'))).toEqual([]);
  });

  it('accepts the documented extensions and refuses others, naming what is accepted', async () => {
    const id = await createTask();
    for (const name of ['a.ddl', 'b.md', 'c.txt', 'd.json', 'e.sql', 'f.csv']) {
      expect(expectSuccess(await uploadFile(server, route(id), { name, content: 'x' })).uploaded_file.filename).toBe(name);
    }
    for (const name of ['run.sh', 'data_pipeline.log', 'noext', 'x.exe']) {
      expectInvalid(
        await uploadFile(server, route(id), { name, content: 'x' }),
        'body.file',
        new RegExp(name.replace('.', '\\.')),
        /\.ddl, \.md, \.txt, \.json, \.sql, \.csv/,
      );
    }
  });

  it('refuses an invalid overwrite_mode listing backup, replace, skip', async () => {
    const id = await createTask();
    expectInvalid(
      await uploadFile(server, route(id), { name: 'a.md', content: 'x' }, { overwrite_mode: 'merge' }),
      'body.overwrite_mode',
      /merge/,
      /^backup, replace, skip$/,
    );
    await expect(fs.stat(path.join(taskPath(server, id), 'a.md'))).rejects.toThrow();
  });

  it('reduces a client path to a base name', async () => {
    const id = await createTask();
    const evil = path.join(server.root, `evil-${Date.now()}.sql`);
    const data = expectSuccess(await uploadFile(server, route(id), { name: evil, content: 'SELECT 1;' }));
    expect(data.uploaded_file.filename).toBe(path.basename(evil));
    await expect(fs.stat(evil)).rejects.toThrow();
    expect(await readTaskFile(id, path.basename(evil))).toBe('SELECT 1;');
  });

  it('refuses more than 10 MB (413), a missing file (400), an unknown task (404)', async () => {
    const id = await createTask();
    expectError(await uploadFile(server, route(id), { name: 'big.txt', content: Buffer.alloc(10 * 1024 * 1024 + 1, 0x61) }), 413, 'PAYLOAD_TOO_LARGE');
    await expect(fs.stat(path.join(taskPath(server, id), 'big.txt'))).rejects.toThrow();
    expectMissing(await uploadFile(server, route(id), undefined, { overwrite_mode: 'replace' }), 'body.file');
    expectError(await uploadFile(server, route(UNKNOWN), { name: 'a.md', content: 'x' }), 404, 'TASK_NOT_FOUND');
  });
});

describe('task logs', () => {
  let id: string;
  // Lines 1-8 of the log; line 6 is not a record.
  const lines = [
    logLine('2025-01-01 09:00:00', 'INFO', 'data_pipeline.workflow', 'workflow', 'task started'),
    logLine('2025-01-01 09:30:00', 'DEBUG', 'data_pipeline.ddl_generation', 'ddl_generation', 'reading the catalog'),
    logLine('2025-01-01 10:00:00', 'WARNING', 'data_pipeline.ddl_generation', 'ddl_generation', 'table orders has no comment'),
    logLine('2025-01-01 10:30:00', 'ERROR', 'data_pipeline.qa_generation', 'qa_generation', 'LLM call failed: timeout'),
    logLine('2025-01-01 11:00:00', 'CRITICAL', 'data_pipeline.workflow', 'workflow', 'aborting the run'),
    'a line written by something else',
    logLine('2025-01-01 11:30:00', 'INFO', 'data_pipeline.sql_validation', 'sql_validation', '10 of 12 SQL valid'),
    logLine('2025-01-02 08:00:00', 'INFO', 'data_pipeline.training_load', 'training_load', 'loaded 22 vectors'),
  ];

  beforeAll(async () => {
    id = await createTask();
    await fs.writeFile(path.join(taskPath(server, id), 'data_pipeline.log'), `${lines.join('\n')}\n`);
  });

  const query = (body?: Record<string, unknown>) => server.call('POST', `${BASE}/${id}/logs/query`, body);
  const lineNumbers = (data: Record<string, any>) => data.logs.map((l: { line_number: number }) => l.line_number);

  describe('GET /tasks/{id}/logs', () => {
    it('answers the records in file order with the documented fields', async () => {
      const data = expectSuccess(await server.call('GET', `${BASE}/${id}/logs`));
      expect(data).toMatchObject({ task_id: id, total: 7, source: 'file', log_file: 'data_pipeline.log' });
      expect(data.logs).toHaveLength(7);
      expect(data.logs[0]).toMatchObject({ timestamp: '2025-01-01 09:00:00', level: 'INFO', logger: 'data_pipeline.workflow', message: 'task started' });
      expect(data.logs.map((l: { message: string }) => l.message).at(-1)).toBe('loaded 22 vectors');
    });

    it('returns the latest `limit` records (default 100, at most 1000) and filters by level', async () => {
      const big = await createTask();
      const many = Array.from({ length: 1100 }, (_, i) =>
        logLine('2025-02-01 10:00:00', i % 10 === 0 ? 'ERROR' : 'INFO', 'data_pipeline.workflow', 'workflow', `record ${i}`),
      );
      await fs.writeFile(path.join(taskPath(server, big), 'data_pipeline.log'), `${many.join('\n')}\n`);
      const byDefault = expectSuccess(await server.call('GET', `${BASE}/${big}/logs`));
      expect(byDefault.logs).toHaveLength(100);
      expect(byDefault.total).toBe(1100);
      expect(byDefault.logs[0].message).toBe('record 1000');
      expect(byDefault.logs[99].message).toBe('record 1099');
      expect(expectSuccess(await server.call('GET', `${BASE}/${big}/logs?limit=1000`)).logs).toHaveLength(1000);
      const errors = expectSuccess(await server.call('GET', `${BASE}/${big}/logs?level=ERROR&limit=5`));
      expect(errors.total).toBe(110);
      expect(errors.logs.map((l: { message: string }) => l.message)).toEqual(['record 1050', 'record 1060', 'record 1070', 'record 1080', 'record 1090']);
      expect(errors.logs.every((l: { level: string }) => l.level === 'ERROR')).toBe(true);
    });

    it('refuses limit above 1000 or below 1 and an unknown level (400)', async () => {
      expectInvalid(await server.call('GET', `${BASE}/${id}/logs?limit=1001`), 'querystring.limit', /<= 1000/, /1 to 1000/);
      expectInvalid(await server.call('GET', `${BASE}/${id}/logs?limit=0`), 'querystring.limit', />= 1/, /1 to 1000/);
      expectInvalid(
        await server.call('GET', `${BASE}/${id}/logs?level=TRACE`),
        'querystring.level',
        /must be one of/,
        /^DEBUG, INFO, WARNING, ERROR, CRITICAL$/,
      );
    });

    it('answers an empty list without a log, 404 for an unknown task', async () => {
      const empty = await createTask();
      expect(expectSuccess(await server.call('GET', `${BASE}/${empty}/logs`))).toMatchObject({ logs: [], total: 0 });
      expectError(await server.call('GET', `${BASE}/${UNKNOWN}/logs`), 404, 'TASK_NOT_FOUND');
    });
  });

  describe('POST /tasks/{id}/logs/query', () => {
    it('answers newest first by default, without a body too, with pagination and the log file info', async () => {
      for (const res of [await query(), await query({})]) {
        const data = expectSuccess(res);
        expect(lineNumbers(data)).toEqual([8, 7, 5, 4, 3, 2, 1]);
        expect(data.pagination).toEqual({ page: 1, page_size: 50, total: 7, total_pages: 1, has_next: false, has_prev: false });
        expect(data.log_file_info).toMatchObject({ exists: true, file_name: 'data_pipeline.log', total_lines: 7 });
        expect(data.log_file_info.file_size).toBe(Buffer.byteLength(`${lines.join('\n')}\n`));
        expect(data.query_time).toMatch(/^\d+\.\d{3}s$/);
        expect(data.logs[0]).toEqual({
          timestamp: '2025-01-02 08:00:00',
          level: 'INFO',
          logger: 'data_pipeline.training_load',
          step: 'training_load',
          message: 'loaded 22 vectors',
          line_number: 8,
        });
      }
    });

    it('filters by level, keyword (case-insensitive), step_name and logger_name', async () => {
      expect(lineNumbers(expectSuccess(await query({ level: 'ERROR' })))).toEqual([4]);
      expect(lineNumbers(expectSuccess(await query({ level: 'INFO' })))).toEqual([8, 7, 1]);
      expect(lineNumbers(expectSuccess(await query({ keyword: 'llm CALL' })))).toEqual([4]);
      const step = expectSuccess(await query({ step_name: 'ddl_generation' }));
      expect(lineNumbers(step)).toEqual([3, 2]);
      expect(step.logs.every((l: { step: string }) => l.step === 'ddl_generation')).toBe(true);
      expect(lineNumbers(expectSuccess(await query({ logger_name: 'workflow' })))).toEqual([5, 1]);
      expect(lineNumbers(expectSuccess(await query({ logger_name: 'workflow', level: 'CRITICAL', keyword: 'abort' })))).toEqual([5]);
      expect(expectSuccess(await query({ keyword: 'nothing like this' })).logs).toEqual([]);
    });

    it('compares start_time and end_time as times, not as strings', async () => {
      // "9:45" sorts after "10:00" as text; as a time it is before.
      expect(lineNumbers(expectSuccess(await query({ start_time: '2025-01-01 9:45:00' })))).toEqual([8, 7, 5, 4, 3]);
      // ISO 8601 with a zone ("T" sorts after " " as text).
      const iso = (h: number, m: number) => new Date(2025, 0, 1, h, m).toISOString();
      expect(lineNumbers(expectSuccess(await query({ start_time: iso(10, 15), end_time: iso(11, 15) })))).toEqual([5, 4]);
      expect(lineNumbers(expectSuccess(await query({ start_time: '2025-01-01 10:00:00', end_time: '2025-01-01 10:30:00' })))).toEqual([4, 3]);
      expect(lineNumbers(expectSuccess(await query({ start_time: '2025-01-01T10:15' })))).toEqual([8, 7, 5, 4]);
      // Without seconds, or a date alone (midnight, local time).
      expect(lineNumbers(expectSuccess(await query({ end_time: '2025-01-01T09:30' })))).toEqual([2, 1]);
      expect(lineNumbers(expectSuccess(await query({ start_time: '2025-01-02' })))).toEqual([8]);
      expect(lineNumbers(expectSuccess(await query({ end_time: '2025-01-01 09:00:00.000000' })))).toEqual([1]);
      expect(expectSuccess(await query({ start_time: '2025-01-03 00:00:00' })).logs).toEqual([]);
    });

    it('sorts levels by severity, and by timestamp or line number in both orders', async () => {
      const asc = expectSuccess(await query({ sort_by: 'level', sort_order: 'asc' }));
      expect(asc.logs.map((l: { level: string }) => l.level)).toEqual(['DEBUG', 'INFO', 'INFO', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);
      expect(lineNumbers(asc)).toEqual([2, 1, 7, 8, 3, 4, 5]);
      const desc = expectSuccess(await query({ sort_by: 'level', sort_order: 'desc' }));
      expect(desc.logs.map((l: { level: string }) => l.level)).toEqual(['CRITICAL', 'ERROR', 'WARNING', 'INFO', 'INFO', 'INFO', 'DEBUG']);
      expect(lineNumbers(expectSuccess(await query({ sort_by: 'timestamp', sort_order: 'asc' })))).toEqual([1, 2, 3, 4, 5, 7, 8]);
      expect(lineNumbers(expectSuccess(await query({ sort_by: 'line_number', sort_order: 'desc' })))).toEqual([8, 7, 5, 4, 3, 2, 1]);
      // By name, as the existing service's clients ask (issue 15): loggers and steps, file order within one.
      expect(lineNumbers(expectSuccess(await query({ sort_by: 'logger', sort_order: 'asc' })))).toEqual([2, 3, 4, 7, 8, 1, 5]);
      expect(lineNumbers(expectSuccess(await query({ sort_by: 'step', sort_order: 'desc' })))).toEqual([5, 1, 8, 7, 4, 3, 2]);
    });

    it('pages the matching records', async () => {
      const first = expectSuccess(await query({ page_size: 3, sort_order: 'asc' }));
      expect(lineNumbers(first)).toEqual([1, 2, 3]);
      expect(first.pagination).toEqual({ page: 1, page_size: 3, total: 7, total_pages: 3, has_next: true, has_prev: false });
      const last = expectSuccess(await query({ page_size: 3, page: 3, sort_order: 'asc' }));
      expect(lineNumbers(last)).toEqual([8]);
      expect(last.pagination).toEqual({ page: 3, page_size: 3, total: 7, total_pages: 3, has_next: false, has_prev: true });
      const filtered = expectSuccess(await query({ page_size: 2, level: 'INFO' }));
      expect(filtered.pagination).toMatchObject({ total: 3, total_pages: 2, has_next: true });
    });

    it('refuses invalid values naming the field and what is accepted (400)', async () => {
      expectInvalid(await query({ page_size: 501 }), 'body.page_size', /<= 500/, /1 to 500/);
      expectInvalid(await query({ page_size: 0 }), 'body.page_size', />= 1/, /1 to 500/);
      expectInvalid(await query({ page: 0 }), 'body.page', />= 1/, /1/);
      expectInvalid(await query({ level: 'TRACE' }), 'body.level', /must be one of/, /^DEBUG, INFO, WARNING, ERROR, CRITICAL$/);
      expectInvalid(await query({ keyword: 'k'.repeat(201) }), 'body.keyword', /200/, /200/);
      expectInvalid(await query({ start_time: 'yesterday' }), 'body.start_time', /yesterday/, /ISO 8601/);
      for (const value of ['2025-99-99 99:99:99', '2025-02-30 10:00:00', '2025-01-01 24:00:00', '10', 'March 7']) {
        expectInvalid(await query({ end_time: value }), 'body.end_time', new RegExp(value), /ISO 8601/);
      }
      expectInvalid(await query({ sort_by: 'severity' }), 'body.sort_by', /must be one of/, /^timestamp, level, line_number, logger, step$/);
      expectInvalid(await query({ sort_order: 'up' }), 'body.sort_order', /must be one of/, /^asc, desc$/);
    });

    it('answers an empty result without a log, 404 for an unknown task', async () => {
      const empty = await createTask();
      const data = expectSuccess(await server.call('POST', `${BASE}/${empty}/logs/query`, {}));
      expect(data.logs).toEqual([]);
      expect(data.log_file_info).toMatchObject({ exists: false, total_lines: 0 });
      expectError(await server.call('POST', `${BASE}/${UNKNOWN}/logs/query`, {}), 404, 'TASK_NOT_FOUND');
    });
  });
});

describe('client mistakes on uploads', () => {
  it('answers unreadable multipart bodies and other content types with a 4xx envelope, never 500', async () => {
    const id = await createTask();
    const partial = '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\norders';
    for (const route of [`${BASE}/${id}/upload-table-list`, `${BASE}/${id}/files`]) {
      for (const [body, type] of [
        ['garbage', 'multipart/form-data; boundary=xyz'],
        ['garbage', 'multipart/form-data'],
        [partial, 'multipart/form-data; boundary=xyz'],
      ] as const) {
        const res = await rawRequest(server, 'POST', route, body, type);
        expect(expectError(res, 400, 'INVALID_MULTIPART').response).toMatch(/multipart/);
      }
      expectMissing(await rawRequest(server, 'POST', route, 'orders', 'text/plain'), 'body.file');
      expectMissing(await server.call('POST', route, { file: 'orders.txt' }), 'body.file');
      expectError(await rawRequest(server, 'POST', route, '<file/>', 'application/xml'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    await expect(fs.stat(path.join(taskPath(server, id), 'table_list.txt'))).rejects.toThrow();
    // The server still answers normally afterwards.
    expectSuccess(await uploadFile(server, `${BASE}/${id}/upload-table-list`, { name: 't.txt', content: 'orders\n' }));
  });
});
