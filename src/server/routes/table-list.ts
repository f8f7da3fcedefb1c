/** The task's table list: upload a file, send names as JSON, or read what is there. */
import { TABLE_LIST_MAX_BYTES } from '../../services/table-list-rules.js';
import { setTableListFromNames, setTableListFromUpload, tableListInfo } from '../../services/table-list.js';
import { formatSize } from '../../util/format-size.js';
import type { ApiServer, AppContext } from '../context.js';
import { successBody } from '../envelope.js';
import { emptyBodyAsObject } from '../hooks.js';
import { errorResponses, TaskIdParams } from '../schemas/common.js';
import { TableListInfoResponse, TableListResponse, TablesBody, UploadTableListResponse } from '../schemas/files.js';
import { readUpload } from '../uploads.js';

const BASE = '/api/v0/data_pipeline/tasks/:task_id';
const TABLE_LIST_FILE = 'table_list.txt';

export function tableListRoutes(app: ApiServer, ctx: AppContext): void {
  const services = ctx.services;

  app.post(
    `${BASE}/upload-table-list`,
    {
      schema: {
        tags: ['table list'],
        summary: 'Upload table_list.txt (multipart field "file"; .txt, at most 2 MB, UTF-8 or GBK)',
        params: TaskIdParams,
        consumes: ['multipart/form-data'],
        response: { 200: UploadTableListResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { task_id } = request.params;
      const upload = await readUpload(request, TABLE_LIST_MAX_BYTES);
      const stored = await setTableListFromUpload(services, task_id, upload);
      return successBody(200, `table list stored (${stored.encoding === 'gbk' ? 'converted from GBK to UTF-8' : 'UTF-8'})`, {
        task_id,
        filename: TABLE_LIST_FILE,
        original_filename: upload.name,
        encoding: stored.encoding,
        file_size: stored.file_size,
        file_size_formatted: formatSize(stored.file_size),
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
        response: { 200: TableListResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { task_id } = request.params;
      const written = await setTableListFromNames(services, task_id, request.body.tables);
      return successBody(200, `table list stored: ${written.table_count} table(s)`, {
        task_id,
        filename: TABLE_LIST_FILE,
        table_count: written.table_count,
        unique_table_count: written.table_count,
        original_count: written.original_count,
        duplicates_dropped: written.duplicates_dropped,
        file_size: written.file_size,
        file_size_formatted: formatSize(written.file_size),
        created_time: new Date().toISOString(),
      });
    },
  );

  app.get(
    `${BASE}/table-list-info`,
    {
      schema: { tags: ['table list'], summary: 'What table_list.txt holds', params: TaskIdParams, response: { 200: TableListInfoResponse, ...errorResponses } },
    },
    async (request) => {
      const { task_id } = request.params;
      const info = await tableListInfo(services, task_id);
      return successBody(200, info.exists ? `${info.table_names.length} table(s) listed` : 'no table list yet', {
        task_id,
        has_file: info.exists,
        exists: info.exists,
        file_name: TABLE_LIST_FILE,
        file_path: info.exists ? `${task_id}/${TABLE_LIST_FILE}` : null,
        file_size: info.file_size,
        file_size_formatted: formatSize(info.file_size),
        uploaded_at: info.modified_at,
        created_at: info.created_at,
        table_count: info.table_names.length,
        table_names: info.table_names,
        invalid_entries: info.invalid_entries,
        is_readable: info.exists,
      });
    },
  );
}
