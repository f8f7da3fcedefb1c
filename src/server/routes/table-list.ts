/** The task's table list: upload a file, send names as JSON, or read what is there. */
import { Type } from '@sinclair/typebox';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseTableList, parseTableName, qualifiedName, tableListTooLong } from '../../source/table-list.js';
import { decodeText } from '../../util/text-encoding.js';
import { TABLE_LIST_FILE } from '../../workflow/task-files.js';
import type { AppContext } from '../context.js';
import { ApiError, successBody } from '../envelope.js';
import { formatSize } from '../../util/format-size.js';
import { data, emptyBodyAsObject, envelope, errorResponses, TaskIdParams } from '../schemas.js';
import { openTaskDir, refuseWhileRunning, requireTask } from './task-access.js';
import { checkTableListText, TABLE_LIST_MAX_BYTES } from '../table-list-text.js';

const BASE = '/api/v0/data_pipeline/tasks/:task_id';

/**
 * A client's file name reduced to its base name (browsers and tools may send a path). A name with
 * a control character (NUL included) is refused, not cleaned: `evil.txt\0.sh` must not quietly
 * become another name than the one the client believes it stored.
 */
export function safeBaseName(name: string | undefined): string {
  const control = /[\u0000-\u001f\u007f-\u009f]/.exec(name ?? '');
  if (control) {
    const code = `U+${(control[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw ApiError.invalid('body.file', `has a file name with a control character (${code})`, 'a file name without control characters (U+0000 to U+001F, U+007F to U+009F)');
  }
  const base = path.posix.basename((name ?? '').replace(/\\/g, '/')).trim();
  return base.replace(/^\.+/, '') || 'upload';
}

/** Reads the one uploaded file of a multipart request, with a size limit (413 beyond it). */
export async function readUpload(request: FastifyRequest, maxBytes: number): Promise<{ name: string; bytes: Buffer; fields: Record<string, string> }> {
  if (!request.isMultipart()) {
    throw new ApiError(400, 'INVALID_PARAMS', 'body.file is missing: send the file as multipart/form-data in the field "file"', { missing: ['body.file'] });
  }
  // A body that is not valid multipart (no boundary, cut short) is the client's mistake: 400, not 500.
  const unreadable = (error: unknown): never => {
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) throw error;
    throw new ApiError(400, 'INVALID_MULTIPART', `the multipart/form-data body cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  };
  const file: MultipartFile | undefined = await request.file({ limits: { fileSize: maxBytes, files: 1 } }).catch(unreadable);
  if (!file) throw new ApiError(400, 'MISSING_PARAMS', 'body.file is missing: send the file in the multipart field "file"', { missing: ['body.file'] });
  if (file.fieldname !== 'file') throw ApiError.invalid(`body.${file.fieldname}`, 'is not expected', 'a single file in the field "file"');
  const bytes = await file.toBuffer().catch(unreadable);
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(file.fields)) {
    const field = Array.isArray(value) ? value[0] : value;
    if (field && 'value' in field && typeof field.value === 'string') fields[key] = field.value;
  }
  return { name: safeBaseName(file.filename), bytes, fields };
}

/** Comma-separated names (commas inside double quotes kept, as in the table-list format). */
function splitNames(text: string): string[] {
  const names: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      names.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  return [...names, current];
}

const TablesBody = Type.Object({
  tables: Type.Union([Type.Array(Type.String({ maxLength: 300 })), Type.String({ maxLength: 300_000 })], {
    description: 'an array of names, or one comma-separated string; at most DP_MAX_TABLES names (1000 unless configured)',
  }),
});

export function tableListRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post(
    `${BASE}/upload-table-list`,
    {
      schema: {
        tags: ['table list'],
        summary: 'Upload table_list.txt (multipart field "file"; .txt, at most 2 MB, UTF-8 or GBK)',
        params: TaskIdParams,
        consumes: ['multipart/form-data'],
        response: { 200: envelope(data({ task_id: Type.String(), filename: Type.String(), file_size: Type.Integer() })), ...errorResponses },
      },
    },
    async (request) => {
      const { task_id } = request.params as typeof TaskIdParams.static;
      const dir = await openTaskDir(ctx, task_id, { create: true });
      await refuseWhileRunning(ctx, task_id, 'replace the table list');
      const upload = await readUpload(request, TABLE_LIST_MAX_BYTES);
      if (!upload.name.toLowerCase().endsWith('.txt')) throw ApiError.invalid('body.file', `has the name ${JSON.stringify(upload.name)}`, 'a .txt file');
      if (upload.bytes.length === 0) throw ApiError.invalid('body.file', 'is empty', 'a non-empty table list');
      const { text, encoding } = decodeText(upload.bytes);
      if (text.trim() === '') throw ApiError.invalid('body.file', 'holds only blank space', 'at least one table name');
      checkTableListText(text, 'body.file', ctx.settings.maxTables);
      await dir.writeFile(TABLE_LIST_FILE, text);
      const size = Buffer.byteLength(text);
      return successBody(200, `table list stored (${encoding === 'gbk' ? 'converted from GBK to UTF-8' : 'UTF-8'})`, {
        task_id,
        filename: TABLE_LIST_FILE,
        original_filename: upload.name,
        encoding,
        file_size: size,
        file_size_formatted: formatSize(size),
        upload_time: new Date().toISOString(),
      });
    },
  );

  app.post(
    `${BASE}/table-list`,
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags: ['table list'],
        summary: 'Write table_list.txt from names',
        params: TaskIdParams,
        body: TablesBody,
        response: { 200: envelope(data({ task_id: Type.String(), table_count: Type.Integer() })), ...errorResponses },
      },
    },
    async (request) => {
      const { task_id } = request.params as typeof TaskIdParams.static;
      const body = request.body as typeof TablesBody.static;
      // Every item is split on commas: Ajv's type coercion turns a lone string into a one-item array.
      const names = (Array.isArray(body.tables) ? body.tables : [body.tables]).flatMap(splitNames).map((n) => n.trim()).filter(Boolean);
      if (names.length === 0) throw ApiError.invalid('body.tables', 'names no table', 'at least one table name');
      const tooLong = tableListTooLong({ originalCount: names.length }, ctx.settings.maxTables);
      if (tooLong) throw ApiError.invalid('body.tables', tooLong, `a table list of at most ${ctx.settings.maxTables} names`);
      const invalid = names.map((n) => ({ n, parsed: parseTableName(n) })).filter((x) => 'error' in x.parsed);
      if (invalid.length) {
        throw new ApiError(400, 'INVALID_PARAMS', `body.tables has invalid names: ${invalid.map((x) => JSON.stringify(x.n)).join(', ')}`, {
          invalid: invalid.map((x) => ({ field: 'body.tables', problem: `${JSON.stringify(x.n)} ${(x.parsed as { error: string }).error}`, accepted: 'table or schema.table' })),
        });
      }
      const dir = await openTaskDir(ctx, task_id, { create: true });
      await refuseWhileRunning(ctx, task_id, 'replace the table list');
      const parsed = parseTableList(names.join('\n'));
      const text = `${parsed.tables.map(qualifiedName).join('\n')}\n`;
      await dir.writeFile(TABLE_LIST_FILE, text);
      const size = Buffer.byteLength(text);
      return successBody(200, `table list stored: ${parsed.tables.length} table(s)`, {
        task_id,
        filename: TABLE_LIST_FILE,
        table_count: parsed.tables.length,
        unique_table_count: parsed.tables.length,
        original_count: names.length,
        duplicates_dropped: parsed.duplicates.length,
        file_size: size,
        file_size_formatted: formatSize(size),
        created_time: new Date().toISOString(),
      });
    },
  );

  app.get(
    `${BASE}/table-list-info`,
    {
      schema: {
        tags: ['table list'],
        summary: 'What table_list.txt holds',
        params: TaskIdParams,
        response: { 200: envelope(data({ task_id: Type.String(), has_file: Type.Boolean() })), ...errorResponses },
      },
    },
    async (request) => {
      const { task_id } = request.params as typeof TaskIdParams.static;
      await requireTask(ctx, task_id);
      const dir = (await ctx.dataRoot.exists(task_id)) ? await ctx.dataRoot.taskDir(task_id) : undefined;
      const text = dir ? await dir.readTextIfExists(TABLE_LIST_FILE) : undefined;
      if (text === undefined) {
        return successBody(200, 'no table list yet', {
          task_id,
          has_file: false,
          exists: false,
          file_name: TABLE_LIST_FILE,
          file_path: null,
          file_size: 0,
          file_size_formatted: formatSize(0),
          uploaded_at: null,
          created_at: null,
          table_count: 0,
          table_names: [],
          is_readable: false,
        });
      }
      const stat = await fs.stat(dir?.filePath(TABLE_LIST_FILE) as string);
      const parsed = parseTableList(text);
      return successBody(200, `${parsed.tables.length} table(s) listed`, {
        task_id,
        has_file: true,
        exists: true,
        file_name: TABLE_LIST_FILE,
        file_path: `${task_id}/${TABLE_LIST_FILE}`,
        file_size: stat.size,
        file_size_formatted: formatSize(stat.size),
        uploaded_at: stat.mtime.toISOString(),
        created_at: stat.birthtime.toISOString(),
        table_count: parsed.tables.length,
        table_names: parsed.tables.map(qualifiedName),
        invalid_entries: parsed.invalid,
        is_readable: true,
      });
    },
  );
}
