/** The drift of a task's source database since its files were made. */
import { Type } from '@sinclair/typebox';
import { Closed, envelope, Nullable, Time } from './common.js';

const ColumnFacts = Closed({
  name: Type.String(),
  type: Type.String(),
  not_null: Type.Boolean(),
  default: Nullable(Type.String()),
  comment: Nullable(Type.String()),
});

const ColumnShape = Closed({ type: Type.String(), not_null: Type.Boolean(), default: Nullable(Type.String()) });
const TextChange = Closed({ before: Nullable(Type.String()), after: Nullable(Type.String()) });

const TableDrift = Closed({
  table: Type.String(),
  comment_changed: Nullable(TextChange),
  columns_added: Type.Array(ColumnFacts),
  columns_removed: Type.Array(Type.String()),
  columns_changed: Type.Array(Closed({ column: Type.String(), before: ColumnShape, after: ColumnShape })),
  column_comments_changed: Type.Array(Closed({ column: Type.String(), before: Nullable(Type.String()), after: Nullable(Type.String()) })),
  constraints_changed: Type.Boolean({ description: 'keys, foreign keys, CHECK constraints or a view’s text' }),
  kind_changed: Nullable(Closed({ before: Type.String(), after: Type.String() })),
});

export const DriftResponse = envelope({
  task_id: Type.String(),
  database: Type.String({ description: 'the source, its password masked' }),
  drifted: Type.Boolean(),
  compared_with: Closed({
    file: Type.String(),
    from: Type.String({ description: '"." (the task directory) or the backup it was found in' }),
    written_at: Time,
  }),
  tables_checked: Type.Integer({ description: 'the documented tables compared' }),
  tables_listed_missing: Type.Array(Type.String(), { description: 'listed in table_list.txt but not in the database: not drift' }),
  tables_added: Type.Array(Type.String(), { description: 'listed in table_list.txt and present now, not documented' }),
  tables_removed: Type.Array(Type.String(), { description: 'documented, no longer in the database' }),
  tables_changed: Type.Array(TableDrift),
});
