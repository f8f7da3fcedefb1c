/** A task's files: list, download, upload (with the reference's overwrite modes). */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createReadStream, promises as fs } from 'node:fs';
import { assertFileName, PathConfinementError } from '../../workflow/task-dir.js';
import type { AppContext } from '../context.js';
import { ApiError, successBody } from '../envelope.js';
import { formatSize } from '../../util/format-size.js';
import { data, envelope, errorResponses, TaskIdParams } from '../schemas.js';
import { decodeText } from '../../util/text-encoding.js';
import { TABLE_LIST_FILE } from '../../workflow/task-files.js';
import { checkTableListText, TABLE_LIST_MAX_BYTES } from '../table-list-text.js';
import { readUpload } from './table-list.js';
import { openTaskDir, refuseWhileRunning, requireTask } from './task-access.js';

const BASE = '/api/v0/data_pipeline/tasks/:task_id/files';
const UPLOAD_MAX_BYTES = 10 * 1024 * 1024;
const UPLOAD_EXTENSIONS = ['.ddl', '.md', '.txt', '.json', '.sql', '.csv'];
const OVERWRITE_MODES = ['backup', 'replace', 'skip'] as const;

const TYPES: [RegExp, string, string][] = [
  [/\.ddl$/i, 'ddl', 'text/plain; charset=utf-8'],
  [/\.sql$/i, 'sql', 'text/plain; charset=utf-8'],
  [/\.md$/i, 'markdown', 'text/markdown; charset=utf-8'],
  [/\.json$/i, 'json', 'application/json; charset=utf-8'],
  [/\.txt$/i, 'text', 'text/plain; charset=utf-8'],
  [/\.log$/i, 'log', 'text/plain; charset=utf-8'],
  // The reference's file types have no csv; CSV is text.
  [/\.csv$/i, 'text', 'text/csv; charset=utf-8'],
];

export function fileType(name: string): { type: string; contentType: string } {
  const match = TYPES.find(([pattern]) => pattern.test(name));
  return match ? { type: match[1], contentType: match[2] } : { type: 'other', contentType: 'application/octet-stream' };
}

const FileParams = Type.Object({ task_id: TaskIdParams.properties.task_id, file_name: Type.String({ minLength: 1, maxLength: 255 }) });

export function fileRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    BASE,
    {
      schema: {
        tags: ['files'],
        summary: "List the task directory's top-level files, newest first",
        params: TaskIdParams,
        response: { 200: envelope(data({ task_id: Type.String(), files: Type.Array(Type.Object({}, { additionalProperties: true })) })), ...errorResponses },
      },
    },
    async (request) => {
      const { task_id } = request.params as typeof TaskIdParams.static;
      await requireTask(ctx, task_id);
      const exists = await ctx.dataRoot.exists(task_id);
      const entries = exists ? await (await ctx.dataRoot.taskDir(task_id)).list() : [];
      const files = entries
        .filter((e) => e.kind === 'file')
        .sort((a, b) => b.modifiedAt.getTime() - a.modifiedAt.getTime() || a.name.localeCompare(b.name))
        .map((e) => ({
          file_name: e.name,
          file_type: fileType(e.name).type,
          file_size: e.size,
          file_size_formatted: formatSize(e.size),
          created_at: e.createdAt.toISOString(),
          modified_at: e.modifiedAt.toISOString(),
          is_readable: true,
        }));
      const total = files.reduce((sum, f) => sum + f.file_size, 0);
      return successBody(200, `${files.length} file(s)`, {
        task_id,
        files,
        directory_info: {
          exists,
          directory_path: task_id,
          total_files: files.length,
          total_size: total,
          total_size_formatted: formatSize(total),
        },
      });
    },
  );

  app.get(
    `${BASE}/:file_name`,
    { schema: { tags: ['files'], summary: 'Download a file (as an attachment)', params: FileParams, response: errorResponses } },
    async (request, reply) => {
      const { task_id, file_name } = request.params as typeof FileParams.static;
      assertFileName(file_name, 'params.file_name');
      const dir = await openTaskDir(ctx, task_id);
      // Links are resolved and must stay inside the task directory.
      const real = await dir.confinedRealPath(dir.filePath(file_name)).catch((error: unknown) => {
        if (error instanceof PathConfinementError) throw new PathConfinementError('params.file_name', file_name, 'resolves outside the task directory');
        throw error;
      });
      const stat = real ? await fs.stat(real) : undefined;
      if (!real || !stat?.isFile()) throw ApiError.notFound(`file ${file_name} of task ${task_id}`, 'FILE_NOT_FOUND');
      const ascii = file_name.replace(/[^\x20-\x7e]|["\\]/g, '_');
      return reply
        .header('content-type', fileType(file_name).contentType)
        .header('content-length', stat.size)
        .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file_name)}`)
        .header('x-content-type-options', 'nosniff')
        .send(createReadStream(real));
    },
  );

  app.post(
    BASE,
    {
      schema: {
        tags: ['files'],
        summary: `Upload a file (${UPLOAD_EXTENSIONS.join(' ')}; at most 10 MB); field overwrite_mode = backup (default) | replace | skip`,
        params: TaskIdParams,
        consumes: ['multipart/form-data'],
        response: { 200: envelope(data({ task_id: Type.String(), uploaded_file: Type.Object({}, { additionalProperties: true }) })), ...errorResponses },
      },
    },
    async (request) => {
      const { task_id } = request.params as typeof TaskIdParams.static;
      const dir = await openTaskDir(ctx, task_id, { create: true });
      await refuseWhileRunning(ctx, task_id, 'upload');
      const upload = await readUpload(request, UPLOAD_MAX_BYTES);
      const mode = (upload.fields.overwrite_mode ?? 'backup') as (typeof OVERWRITE_MODES)[number];
      if (!OVERWRITE_MODES.includes(mode)) throw ApiError.invalid('body.overwrite_mode', `is ${JSON.stringify(mode)}`, OVERWRITE_MODES.join(', '));
      const name = upload.name;
      if (!UPLOAD_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext))) {
        throw ApiError.invalid('body.file', `has the name ${JSON.stringify(name)}`, `a file ending in ${UPLOAD_EXTENSIONS.join(', ')}`);
      }
      assertFileName(name, 'body.file');
      if (name === TABLE_LIST_FILE) {
        // The table list has the same limits whichever route writes it.
        if (upload.bytes.length > TABLE_LIST_MAX_BYTES) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `body.file (${TABLE_LIST_FILE}) is ${upload.bytes.length} bytes; at most ${TABLE_LIST_MAX_BYTES} are accepted`);
        checkTableListText(decodeText(upload.bytes).text, 'body.file', ctx.settings.maxTables);
      }
      // A link in the task directory is none of our files (we never make one): the upload replaces
      // the link itself (writeFile renames over it); it is neither backed up nor kept, as either
      // would read or keep what it points to, possibly outside the task directory.
      const isLink = (await fs.lstat(dir.filePath(name)).catch(() => undefined))?.isSymbolicLink() ?? false;
      const exists = !isLink && (await dir.exists(name));
      let backupInfo: Record<string, unknown> | undefined;
      if (exists && mode === 'skip') {
        return successBody(200, `${name} exists; skipped`, { task_id, uploaded_file: { filename: name, size: 0, overwrite_mode: mode, skipped: true } });
      }
      if (exists && mode === 'backup') {
        let n = 1;
        while (await dir.exists(`${name}_bak${n}`)) n += 1;
        await dir.copyFile(name, `${name}_bak${n}`);
        backupInfo = { had_existing_file: true, backup_filename: `${name}_bak${n}`, backup_version: n, backup_created_at: new Date().toISOString() };
      }
      await dir.writeFile(name, upload.bytes);
      return successBody(200, `${name} uploaded`, {
        task_id,
        uploaded_file: {
          filename: name,
          size: upload.bytes.length,
          size_formatted: formatSize(upload.bytes.length),
          uploaded_at: new Date().toISOString(),
          overwrite_mode: mode,
        },
        ...(backupInfo ? { backup_info: backupInfo } : {}),
      });
    },
  );
}
