/** Reading the one uploaded file of a multipart request: its base name (refused with control characters), bytes and fields. */
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import path from 'node:path';
import { AppError, errorMessage } from '../errors.js';

/**
 * A client's file name reduced to its base name (browsers and tools may send a path). A name with
 * a control character (NUL included) is refused, not cleaned: `evil.txt\0.sh` must not quietly
 * become another name than the one the client believes it stored.
 */
export function safeBaseName(name: string | undefined): string {
  const control = /[\u0000-\u001f\u007f-\u009f]/.exec(name ?? '');
  if (control) {
    const code = `U+${(control[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw AppError.invalid(
      'body.file',
      `has a file name with a control character (${code})`,
      'a file name without control characters (U+0000 to U+001F, U+007F to U+009F)',
    );
  }
  const base = path.posix.basename((name ?? '').replace(/\\/g, '/')).trim();
  return base.replace(/^\.+/, '') || 'upload';
}

/** Reads the one uploaded file of a multipart request, with a size limit (413 beyond it). */
export async function readUpload(request: FastifyRequest, maxBytes: number): Promise<{ name: string; bytes: Buffer; fields: Record<string, string> }> {
  if (!request.isMultipart()) {
    throw new AppError('INVALID_PARAMS', 'body.file is missing: send the file as multipart/form-data in the field "file"', { missing: ['body.file'] });
  }
  // A body that is not valid multipart (no boundary, cut short) is the client's mistake: 400, not 500.
  const unreadable = (error: unknown): never => {
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) throw error;
    throw new AppError('INVALID_MULTIPART', `the multipart/form-data body cannot be read: ${errorMessage(error)}`);
  };
  const file: MultipartFile | undefined = await request.file({ limits: { fileSize: maxBytes, files: 1 } }).catch(unreadable);
  if (!file) throw new AppError('MISSING_PARAMS', 'body.file is missing: send the file in the multipart field "file"', { missing: ['body.file'] });
  if (file.fieldname !== 'file') throw AppError.invalid(`body.${file.fieldname}`, 'is not expected', 'a single file in the field "file"');
  const bytes = await file.toBuffer().catch(unreadable);
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(file.fields)) {
    const field = Array.isArray(value) ? value[0] : value;
    if (field && 'value' in field && typeof field.value === 'string') fields[key] = field.value;
  }
  return { name: safeBaseName(file.filename), bytes, fields };
}
