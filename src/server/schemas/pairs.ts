/** Reviewing a task's question/SQL pairs: list, add, edit, delete, validate one, undo. */
import { Type } from '@sinclair/typebox';
import { Closed, envelope, Nullable, StringEnum, TaskId, Time } from './common.js';

const ReviewState = StringEnum(['approved', 'rejected'] as const);
const By = Type.String({ minLength: 1, maxLength: 100, description: 'who made the change, kept in the history' });
const Question = Type.String({ minLength: 1, maxLength: 2000 });
const Sql = Type.String({ minLength: 1, maxLength: 20_000 });

export const PairParams = Type.Object(
  { task_id: TaskId, pair_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) },
  { additionalProperties: false },
);

export const AddPairBody = Type.Object(
  { question: Question, sql: Sql, review: Type.Optional(Nullable(ReviewState)), by: Type.Optional(By) },
  { additionalProperties: false },
);

export const EditPairBody = Type.Object(
  {
    question: Type.Optional(Question),
    sql: Type.Optional(Sql),
    review: Type.Optional(Nullable(ReviewState)),
    by: Type.Optional(By),
  },
  { additionalProperties: false },
);

/** Undo and validate take no body; a body with fields is refused. */
export const NoBody = Type.Object({}, { additionalProperties: false });

export const ChangeQuery = Type.Object({ by: Type.Optional(By) }, { additionalProperties: false });

/** Filters of the pair list; `counts` always describe the whole file. */
export const PairListQuery = Type.Object(
  {
    review: Type.Optional(StringEnum(['approved', 'rejected', 'none'] as const, { description: 'none: not reviewed' })),
    status: Type.Optional(StringEnum(['valid', 'repaired', 'invalid', 'unchecked'] as const, { description: "the SQL check's verdict" })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'text in the question or the SQL (any case)' })),
  },
  { additionalProperties: false },
);

const StoredPair = Closed(
  {
    id: Type.String(),
    question: Type.String(),
    sql: Type.String(),
    review: Type.Optional(ReviewState),
    theme: Type.Optional(Type.String()),
    validation: Type.Optional(Closed({ status: StringEnum(['valid', 'invalid'] as const), error: Nullable(Type.String()), checked_at: Time })),
    difficulty: Type.Optional(StringEnum(['easy', 'medium', 'hard'] as const, { description: "from the SQL's shape, as qa_generation wrote it" })),
  },
  { description: 'the pair as the file held it' },
);

const PairView = Closed({
  id: Type.String(),
  question: Type.String(),
  sql: Type.String(),
  review: Nullable(ReviewState),
  theme: Nullable(Type.String()),
  tables: Type.Array(Type.String()),
  difficulty: Nullable(StringEnum(['easy', 'medium', 'hard'] as const, { description: "from the SQL's shape (null when it does not parse)" })),
  validation: Closed({
    status: StringEnum(['valid', 'repaired', 'invalid', 'unchecked'] as const),
    error: Nullable(Type.String()),
    source: Nullable(StringEnum(['check', 'report'] as const)),
    flags: Type.Array(StringEnum(['empty_result', 'enum_literal'] as const), {
      description: "the last sql_validation's execute-check flags for this SQL: no rows, or a value outside a documented enumeration",
    }),
    explanation: Nullable(Type.String({ description: 'the flags in words' })),
  }),
});

const Change = Closed({
  seq: Type.Integer(),
  at: Time,
  by: Nullable(Type.String()),
  action: StringEnum(['add', 'edit', 'delete'] as const),
  pair_id: Type.String(),
  index: Type.Integer(),
  before: Nullable(StoredPair),
  after: Nullable(StoredPair),
});

export const PairListResponse = envelope({
  task_id: Type.String(),
  pair_file: Type.String(),
  pairs: Type.Array(PairView),
  counts: Closed({ total: Type.Integer(), approved: Type.Integer(), rejected: Type.Integer(), unreviewed: Type.Integer(), invalid: Type.Integer() }),
  undoable: Type.Integer({ description: 'changes that can be undone, newest first' }),
});

export const PairChangedResponse = envelope({ pair: PairView, change: Nullable(Change) });
export const PairDeletedResponse = envelope({ change: Change });
export const PairValidatedResponse = envelope({ pair: PairView });
export const PairUndoneResponse = envelope({
  undone: Change,
  pair: Nullable(PairView),
  skipped: Type.Integer({ description: 'newer changes that no longer applied, dropped from the history' }),
});
