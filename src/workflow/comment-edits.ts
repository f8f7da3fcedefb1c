/**
 * `comment_edits.json`: table and column comments people wrote over the generated ones (the API's
 * `PATCH /tasks/{id}/tables/{table}`, the console's table docs). ddl_generation applies them after
 * choosing comments, so an edit survives every later run; a complete run through the API finds the
 * file in the newest backup and writes it back.
 */
import type { TaskDirectory } from '../task-directory/task-dir.js';
import { readPreviousOutput } from '../task-directory/previous-output.js';
import type { ResolvedComments } from './render/table-files.js';

export const COMMENT_EDITS_FILE = 'comment_edits.json';

export interface TableCommentEdit {
  table?: string;
  columns?: Record<string, string>;
  by?: string | null;
  at: string;
  /**
   * What the generator wrote for the edited fields (kept current by every ddl_generation), so that
   * taking an edit back restores the generated text at once instead of at the next run.
   */
  generated?: { table?: string; columns?: Record<string, string> };
}

export interface CommentEdits {
  /** Keyed `schema.table`. */
  tables: Record<string, TableCommentEdit>;
}

export async function readCommentEdits(dir: TaskDirectory): Promise<CommentEdits> {
  const found = await readPreviousOutput(dir, COMMENT_EDITS_FILE);
  if (!found) return { tables: {} };
  try {
    const parsed = JSON.parse(found.text) as CommentEdits;
    return parsed && typeof parsed.tables === 'object' && parsed.tables !== null ? parsed : { tables: {} };
  } catch {
    return { tables: {} };
  }
}

export function renderCommentEdits(edits: CommentEdits): string {
  return `${JSON.stringify(edits, null, 2)}\n`;
}

/** The comments with a table's edits applied (columns the table no longer has are left out). */
export function applyCommentEdits(comments: ResolvedComments, edit: TableCommentEdit | undefined): ResolvedComments {
  if (!edit) return comments;
  const columns = { ...comments.columns };
  for (const [column, text] of Object.entries(edit.columns ?? {})) if (column in columns) columns[column] = text;
  return { ...comments, table: edit.table ?? comments.table, columns };
}

/** What the generator wrote for the fields an edit covers: kept in the edit, for taking it back. */
export function generatedUnderEdit(generated: ResolvedComments, edit: TableCommentEdit): TableCommentEdit['generated'] {
  const columns = Object.fromEntries(
    Object.keys(edit.columns ?? {})
      .filter((column) => column in generated.columns)
      .map((column) => [column, generated.columns[column] as string]),
  );
  return {
    ...(edit.table === undefined ? {} : { table: generated.table }),
    ...(Object.keys(columns).length > 0 ? { columns } : {}),
  };
}
