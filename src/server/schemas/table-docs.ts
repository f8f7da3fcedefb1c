/** Editing a documented table's comments. */
import { Type } from '@sinclair/typebox';
import { Closed, envelope, Nullable, TaskId } from './common.js';

export const TableParams = Type.Object(
  { task_id: TaskId, table: Type.String({ minLength: 1, maxLength: 200, description: 'schema.table, or the bare name of a public table' }) },
  { additionalProperties: false },
);

export const TableCommentsBody = Type.Object(
  {
    table_comment: Type.Optional(
      Nullable(Type.String({ minLength: 1, maxLength: 2000 }), { description: 'the new table comment; null takes an edit back (the generated comment again)' }),
    ),
    columns: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Nullable(Type.String({ minLength: 1, maxLength: 2000 })), {
        description: "column name → comment; null takes that column's edit back",
      }),
    ),
    by: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const TableCommentsResponse = envelope({
  task_id: Type.String(),
  table: Type.String(),
  table_comment: Type.String(),
  columns: Type.Record(Type.String(), Type.String()),
  files: Type.Array(Type.String(), { description: 'the files rewritten' }),
});

export const TablesResponse = envelope({
  task_id: Type.String(),
  tables: Type.Array(
    Closed({
      table: Type.String(),
      ddl: Type.String(),
      md: Type.String(),
      table_comment: Nullable(Type.String()),
      columns: Type.Array(Closed({ name: Type.String(), comment: Type.String() })),
      edited: Type.Boolean({ description: 'people edited its comments (comment_edits.json)' }),
      table_comment_edited: Type.Boolean({ description: 'the table comment is an edit' }),
      edited_columns: Type.Array(Type.String(), { description: 'the columns whose comments are edits' }),
    }),
  ),
});
