/** A task's files: list, download, upload (overwrite modes backup, replace, skip). */
import { createReadStream } from 'node:fs';
import { AppError } from '../../errors.js';
import {
  FILE_UPLOAD_MAX_BYTES,
  listTaskFiles,
  openTaskFile,
  taskArchive,
  OVERWRITE_MODES,
  UPLOAD_EXTENSIONS,
  uploadTaskFile,
  type OverwriteMode,
} from '../../services/files.js';
import { formatSize } from '../../util/format-size.js';
import type { ApiServer, AppContext } from '../context.js';
import { successBody } from '../envelope.js';
import { errorResponses, NonJson, TaskIdParams } from '../schemas/common.js';
import { FileParams, FilesResponse, UploadResponse } from '../schemas/files.js';
import { readUpload } from '../uploads.js';

const BASE = '/api/v0/data_pipeline/tasks/:task_id/files';

export function fileRoutes(app: ApiServer, ctx: AppContext): void {
  const services = ctx.services;

  app.get(
    BASE,
    {
      schema: {
        tags: ['files'],
        summary: "List the task directory's top-level files, newest first",
        params: TaskIdParams,
        response: { 200: FilesResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { task_id } = request.params;
      const { exists, files } = await listTaskFiles(services, task_id);
      const total = files.reduce((sum, f) => sum + f.size, 0);
      return successBody(200, `${files.length} file(s)`, {
        task_id,
        files: files.map((f) => ({
          file_name: f.name,
          file_type: f.type as 'ddl' | 'sql' | 'markdown' | 'json' | 'text' | 'log' | 'other',
          file_size: f.size,
          file_size_formatted: formatSize(f.size),
          created_at: f.created_at,
          modified_at: f.modified_at,
          is_readable: true,
        })),
        directory_info: { exists, directory_path: task_id, total_files: files.length, total_size: total, total_size_formatted: formatSize(total) },
      });
    },
  );

  app.get(
    '/api/v0/data_pipeline/tasks/:task_id/archive',
    {
      schema: {
        tags: ['files'],
        summary: "All the task directory's top-level files as one zip archive (backups left out)",
        params: TaskIdParams,
        response: { 200: NonJson('application/zip', 'a zip archive, as an attachment'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const archive = await taskArchive(services, request.params.task_id);
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${archive.name}"`)
        .header('x-content-type-options', 'nosniff')
        .send(Buffer.from(archive.bytes));
    },
  );

  app.get(
    `${BASE}/:file_name`,
    {
      schema: {
        tags: ['files'],
        summary: 'Download a file (as an attachment)',
        params: FileParams,
        response: { 200: NonJson('application/octet-stream', "the file's bytes, as an attachment"), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { task_id, file_name } = request.params;
      const file = await openTaskFile(services, task_id, file_name);
      const ascii = file_name.replace(/[^\x20-\x7e]|["\\]/g, '_');
      return reply
        .header('content-type', file.contentType)
        .header('content-length', file.size)
        .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file_name)}`)
        .header('x-content-type-options', 'nosniff')
        .send(createReadStream(file.path));
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
        response: { 200: UploadResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { task_id } = request.params;
      const upload = await readUpload(request, FILE_UPLOAD_MAX_BYTES);
      const mode = (upload.fields.overwrite_mode ?? 'backup') as OverwriteMode;
      if (!OVERWRITE_MODES.includes(mode)) throw AppError.invalid('body.overwrite_mode', `is ${JSON.stringify(mode)}`, OVERWRITE_MODES.join(', '));
      const outcome = await uploadTaskFile(services, task_id, upload, mode);
      if (outcome.skipped) {
        return successBody(200, `${outcome.name} exists; skipped`, {
          task_id,
          // `skipped`, `existed` and `action` as the existing service answers a skip.
          skipped: true as const,
          uploaded_file: { filename: outcome.name, size: 0, overwrite_mode: mode, skipped: true as const, existed: true as const, action: 'skipped' as const },
        });
      }
      const previous = outcome.previous_version;
      return successBody(200, `${outcome.name} uploaded`, {
        task_id,
        uploaded_file: {
          filename: outcome.name,
          size: outcome.size,
          size_formatted: formatSize(outcome.size),
          uploaded_at: new Date().toISOString(),
          overwrite_mode: mode,
        },
        ...(previous
          ? {
              backup_info: {
                had_existing_file: true as const,
                backup_filename: previous.name,
                backup_version: previous.version,
                backup_created_at: previous.created_at,
              },
            }
          : {}),
      });
    },
  );
}
