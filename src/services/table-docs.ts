/**
 * Editing a documented table's comments on a task: the table comment and column comments are
 * written into its `.ddl`, `_detail.md` and the task's `comments.sql` consistently (rendered again
 * from the live catalog and a fresh sample, like ddl_generation does), and recorded in
 * `comment_edits.json`, which every later ddl_generation applies. Later steps read the files, so
 * they use the edited text.
 */
import { AppError } from '../errors.js';
import { readCatalog } from '../source/catalog.js';
import { sampleTable } from '../source/sampling.js';
import { parseTableName } from '../source/table-list.js';
import { displayQualified } from '../sql/identifiers.js';
import { ensureSqlParser } from '../sql/pg-parser.js';
import { COMMENTS_SQL_FILE, readTableFiles } from '../task-directory/task-files.js';
import { taskOptionsFromRecord } from '../workflow/run-options.js';
import { COMMENT_EDITS_FILE, readCommentEdits, renderCommentEdits, type TableCommentEdit } from '../workflow/comment-edits.js';
import { parseMarkdown, renderCommentStatements, renderDdl, renderMarkdown, type ResolvedComments } from '../workflow/render/table-files.js';
import type { ServiceContext } from './context.js';
import { withSource } from './database.js';
import { withTaskClaim } from './task-claim.js';
import { requireTask } from './tasks.js';

export interface TableCommentsInput {
  /** null: back to the generated comment. */
  table_comment?: string | null;
  /** Column name → comment; null: back to the generated comment. */
  columns?: Record<string, string | null>;
  by?: string;
}

export interface TableCommentsOutcome {
  task_id: string;
  table: string;
  table_comment: string;
  columns: Record<string, string>;
  files: string[];
}

function text(field: string, value: string): string {
  const trimmed = value.trim();
  if (!trimmed) throw AppError.invalid(field, 'is empty', 'a comment with words');
  if (trimmed.includes('\n')) throw AppError.invalid(field, 'has a line break', 'one line of text');
  return trimmed;
}

/** comments.sql with the statements of one table (named as they write it) replaced: in place, or appended when it had none. */
function replaceStatements(file: string, qualified: string, statements: string[]): string {
  const lines = file.split('\n');
  const statementOf = new RegExp(`^COMMENT ON [A-Z ]+? ${qualified.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.| IS )`);
  const mine = (line: string) => statementOf.test(line);
  const first = lines.findIndex(mine);
  const kept = lines.filter((line) => !mine(line));
  const at = first < 0 ? kept.length - (kept.at(-1) === '' ? 1 : 0) : first;
  kept.splice(at, 0, ...statements);
  return kept.join('\n');
}

/**
 * The table's edit record after this change: new text replaces, null takes a field's edit back. The
 * generated text of a field edited for the first time is the file's text before the edit. Undefined
 * when no edit is left.
 */
function nextEdit(
  previous: TableCommentEdit | undefined,
  current: ResolvedComments,
  tableComment: string | null | undefined,
  columnEdits: Record<string, string | null>,
  by: string | null,
): TableCommentEdit | undefined {
  const table = tableComment === undefined ? previous?.table : (tableComment ?? undefined);
  const columns: Record<string, string> = { ...(previous?.columns ?? {}) };
  const generatedColumns: Record<string, string> = { ...(previous?.generated?.columns ?? {}) };
  for (const [name, comment] of Object.entries(columnEdits)) {
    if (comment === null) {
      delete columns[name];
      delete generatedColumns[name];
      continue;
    }
    if (!(name in columns) && !(name in generatedColumns)) generatedColumns[name] = current.columns[name] ?? name;
    columns[name] = comment;
  }
  if (table === undefined && Object.keys(columns).length === 0) return undefined;
  const generatedTable = table === undefined ? undefined : (previous?.generated?.table ?? (previous?.table === undefined ? current.table : undefined));
  return {
    ...(table === undefined ? {} : { table }),
    columns,
    by,
    at: new Date().toISOString(),
    generated: {
      ...(generatedTable === undefined ? {} : { table: generatedTable }),
      ...(Object.keys(generatedColumns).length > 0 ? { columns: generatedColumns } : {}),
    },
  };
}

export interface DocumentedTable {
  table: string;
  ddl: string;
  md: string;
  table_comment: string | null;
  /** In the file's order. */
  columns: { name: string; comment: string }[];
  /** Whether people edited its comments (comment_edits.json). */
  edited: boolean;
  /** Which: the table comment, and the columns whose comments people wrote. */
  table_comment_edited: boolean;
  edited_columns: string[];
}

/** The task's documented tables (filename_mapping.txt) with the comments their `_detail.md` holds. */
export async function listDocumentedTables(ctx: ServiceContext, taskId: string): Promise<{ task_id: string; tables: DocumentedTable[] }> {
  await requireTask(ctx, taskId);
  if (!(await ctx.dataRoot.exists(taskId))) throw new AppError('TASK_DIRECTORY_NOT_FOUND', `task ${taskId} has no directory yet: run it first`);
  const dir = await ctx.dataRoot.taskDir(taskId);
  const edits = await readCommentEdits(dir);
  const tables: DocumentedTable[] = [];
  for (const entry of await readTableFiles(dir)) {
    const parsed = parseMarkdown((await dir.readTextIfExists(entry.md)) ?? '');
    tables.push({
      table: entry.table,
      ddl: entry.ddl,
      md: entry.md,
      table_comment: parsed.tableComment ?? null,
      columns: Object.entries(parsed.columnComments).map(([name, comment]) => ({ name, comment })),
      edited: entry.table in edits.tables,
      table_comment_edited: edits.tables[entry.table]?.table !== undefined,
      edited_columns: Object.keys(edits.tables[entry.table]?.columns ?? {}),
    });
  }
  return { task_id: taskId, tables };
}

export async function editTableComments(ctx: ServiceContext, taskId: string, tableName: string, input: TableCommentsInput): Promise<TableCommentsOutcome> {
  if (input.table_comment === undefined && (input.columns === undefined || Object.keys(input.columns).length === 0)) {
    throw AppError.missing(['body.table_comment', 'body.columns'], 'nothing to change: give table_comment or columns');
  }
  const tableComment = input.table_comment == null ? input.table_comment : text('body.table_comment', input.table_comment);
  const columnEdits = Object.fromEntries(
    Object.entries(input.columns ?? {}).map(([column, comment]) => [column, comment === null ? null : text(`body.columns.${column}`, comment)]),
  );
  const task = await requireTask(ctx, taskId);
  if (!(await ctx.dataRoot.exists(taskId))) throw new AppError('TASK_DIRECTORY_NOT_FOUND', `task ${taskId} has no directory yet: run it first`);
  const dir = await ctx.dataRoot.taskDir(taskId);
  const language = taskOptionsFromRecord(task.parameters as unknown as Record<string, unknown>).language ?? 'en';
  await ensureSqlParser();

  const files = await readTableFiles(dir);
  const wanted = tableName.includes('.') ? tableName : `public.${tableName}`;
  const entry = files.find((f) => f.table === wanted) ?? files.find((f) => f.table.split('.').pop() === tableName);
  if (!entry)
    throw new AppError(
      'TABLE_NOT_FOUND',
      `task ${taskId} has no documented table ${tableName}; documented: ${files.map((f) => f.table).join(', ') || 'none (run ddl_generation first)'}`,
    );
  const ref = parseTableName(entry.table, { catalogSpelling: true });
  if ('error' in ref) throw AppError.notFound(`documented table ${entry.table}`, 'TABLE_NOT_FOUND');

  return withTaskClaim(ctx, taskId, 'upload', 'edit table comments', () =>
    withSource(ctx, task.db_connection, async (source) => {
      const catalog = await readCatalog(source.db, [ref], { statementTimeoutMs: ctx.settings.statementTimeoutMs });
      const table = catalog.tables[0];
      if (!table) throw AppError.notFound(`table ${entry.table} in the source database (${catalog.missing[0]?.reason ?? 'missing'})`, 'TABLE_NOT_FOUND');
      const known = table.columns.map((c) => c.name);
      for (const column of Object.keys(columnEdits)) {
        if (!known.includes(column)) throw AppError.invalid(`body.columns.${column}`, `is not a column of ${entry.table}`, known.join(', '));
      }
      const markdown = (await dir.readTextIfExists(entry.md)) ?? '';
      const parsed = parseMarkdown(markdown);
      const current: ResolvedComments = {
        table: parsed.tableComment ?? table.comment ?? table.name,
        columns: Object.fromEntries(table.columns.map((c) => [c.name, parsed.columnComments[c.name] ?? c.comment ?? c.name])),
        enums: parsed.enumValues,
      };
      const edits = await readCommentEdits(dir);
      const previous = edits.tables[entry.table];
      const record = nextEdit(previous, current, tableComment, columnEdits, input.by ?? null);
      // A field taken back gets what the generator wrote (kept in the edit), else the database's
      // comment or the name; taking back a field nobody edited changes nothing.
      const generatedTable = previous?.table === undefined ? current.table : (previous.generated?.table ?? table.comment ?? table.name);
      const generatedColumn = (name: string) =>
        previous?.columns?.[name] === undefined
          ? (current.columns[name] ?? name)
          : (previous.generated?.columns?.[name] ?? table.columns.find((c) => c.name === name)?.comment ?? name);
      const comments: ResolvedComments = {
        ...current,
        table: tableComment === null ? generatedTable : (tableComment ?? current.table),
        columns: {
          ...current.columns,
          ...Object.fromEntries(Object.entries(columnEdits).map(([name, comment]) => [name, comment ?? generatedColumn(name)])),
        },
      };
      const sample = await sampleTable(source.db, table, { rows: ctx.settings.sampleRows, statementTimeoutMs: ctx.settings.statementTimeoutMs });
      await dir.writeFile(entry.ddl, renderDdl(table, comments, language));
      await dir.writeFile(entry.md, renderMarkdown(table, comments, sample.rows, language));
      const commentsSql = await dir.readTextIfExists(COMMENTS_SQL_FILE);
      if (commentsSql !== undefined)
        await dir.writeFile(
          COMMENTS_SQL_FILE,
          replaceStatements(commentsSql, displayQualified(table.schema, table.name), renderCommentStatements(table, comments)),
        );
      if (record) edits.tables[entry.table] = record;
      else delete edits.tables[entry.table];
      await dir.writeFile(COMMENT_EDITS_FILE, renderCommentEdits(edits));
      return {
        task_id: taskId,
        table: entry.table,
        table_comment: comments.table,
        columns: comments.columns,
        files: [entry.ddl, entry.md, ...(commentsSql === undefined ? [] : [COMMENTS_SQL_FILE]), COMMENT_EDITS_FILE],
      };
    }),
  );
}
