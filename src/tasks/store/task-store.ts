/**
 * Task, step, run and event records: plain parameterised SQL, one method per operation, the same
 * code on PGlite and PostgreSQL. Timestamps leave the database as ISO 8601 text.
 */
import { randomUUID } from 'node:crypto';
import type { SqlDatabase } from '../../db/sql-database.js';
import type { LlmUsageSnapshot } from '../../llm/usage.js';
import { defaultRunOptions, executionOptionsOf, type ExecutionOptions, type PerRunOverrides, type TaskOptions } from '../../workflow/run-options.js';
import type { StepCounters } from '../../workflow/workflow-types.js';
import { STEP_NAMES, type StepName } from '../../workflow/steps/catalog.js';

export type TaskStatus = 'pending' | 'in_progress' | 'partial_completed' | 'completed' | 'failed';
export type StepStatus = 'pending' | 'running' | 'completed' | 'failed';
export type RunStatus = 'queued' | 'running' | 'completed' | 'failed';
export type RunReason = 'error' | 'cancelled' | 'interrupted';
/** Where a task record came from (see migrations/003_task_origin.sql). */
export type TaskOrigin = 'api' | 'folder' | 'import';
/**
 * What holds a task's claim: a workflow run, or a restore, a delete or an upload (a change of its
 * files by a client). The runner runs only `complete` and `step` claims.
 */
export type ExecutionMode = 'complete' | 'step' | 'restore' | 'delete' | 'upload';

/** What a task was created with (besides the connection, name and context): its task-scope run options. */
export type TaskParameters = TaskOptions & {
  /** The file its table list was copied from at creation, if any. */
  table_list_file: string | null;
};

export interface TaskRecord {
  task_id: string;
  task_name: string | null;
  status: TaskStatus;
  /** Full URL (or `sample`): for running only; responses show `redactUrl()` of it. */
  db_connection: string;
  db_name: string | null;
  business_context: string;
  parameters: TaskParameters;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  updated_at: string;
  error_message: string | null;
  current_step: string | null;
  result: Record<string, unknown> | null;
  last_backup: Record<string, unknown> | null;
  origin: TaskOrigin;
  /** What an imported task's source recorded beyond our fields (its task_type, created_type, output_directory, result; masked). */
  origin_info: Record<string, unknown> | null;
}

export interface StepRecord {
  step_name: StepName;
  step_status: StepStatus;
  started_at: string | null;
  completed_at: string | null;
  error_message: string | null;
  counters: StepCounters;
  result: Record<string, unknown> | null;
  /** The execution that ran it last: our run's id, or the existing service's for an imported step. */
  execution_id: string | null;
}

/** Options of one execution (its execution-scope run options), as the runner needs them. */
export type RunOptions = ExecutionOptions &
  PerRunOverrides & {
    /** The file backup made before a complete run, and its log lines (written first to the new log). */
    backup?: Record<string, unknown> | null;
    backup_log?: { level: 'INFO' | 'WARNING' | 'ERROR'; message: string }[];
  };

/** The options of a claim that is not a workflow run (a restore, a delete). */
export const CLAIM_ONLY_OPTIONS: Readonly<RunOptions> = executionOptionsOf(defaultRunOptions());

export interface RunRecord {
  run_id: string;
  task_id: string;
  execution_mode: ExecutionMode;
  step_name: StepName | null;
  options: RunOptions;
  status: RunStatus;
  reason: RunReason | null;
  owner: string;
  heartbeat_at: string;
  cancel_requested: boolean;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error_message: string | null;
  llm_usage: LlmUsageSnapshot | null;
}

export interface StoredEvent {
  seq: number;
  task_id: string;
  run_id: string | null;
  type: string;
  data: Record<string, unknown>;
  created_at: string;
}

const iso = (column: string, alias = column.replace(/^\w+\./, '')) => `to_json(${column}) #>> '{}' AS ${alias}`;

const TASK_COLUMNS = [
  't.task_id',
  't.task_name',
  't.status',
  't.db_connection',
  't.db_name',
  't.business_context',
  't.parameters',
  't.created_by',
  iso('t.created_at'),
  iso('t.started_at'),
  iso('t.completed_at'),
  iso('t.updated_at'),
  't.error_message',
  't.current_step',
  't.result',
  't.last_backup',
  't.origin',
  't.origin_info',
].join(', ');

const STEP_COLUMNS = [
  's.step_name',
  's.step_status',
  iso('s.started_at'),
  iso('s.completed_at'),
  's.error_message',
  's.counters',
  's.result',
  's.execution_id',
].join(', ');

const RUN_COLUMNS = [
  'r.run_id',
  'r.task_id',
  'r.execution_mode',
  'r.step_name',
  'r.options',
  'r.status',
  'r.reason',
  'r.owner',
  iso('r.heartbeat_at'),
  'r.cancel_requested',
  iso('r.created_at'),
  iso('r.started_at'),
  iso('r.finished_at'),
  'r.error_message',
  'r.llm_usage',
].join(', ');

export interface NewTask {
  task_id: string;
  task_name: string | null;
  db_connection: string;
  db_name: string | null;
  business_context: string;
  parameters: TaskParameters;
  created_by: string | null;
}

/** A step of a task recorded whole (adopted or imported): its outcome as the source tells it. */
export interface RecordedStep {
  step_name: StepName;
  step_status: StepStatus;
  started_at: string | null;
  completed_at: string | null;
  error_message: string | null;
  execution_id: string | null;
}

/** A task recorded whole, with its status, times and steps, from a folder or another service's tables. */
export interface RecordedTask extends NewTask {
  status: TaskStatus;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  error_message: string | null;
  origin: Exclude<TaskOrigin, 'api'>;
  origin_info: Record<string, unknown> | null;
  /** Steps the source tells about; the others get a pending row. */
  steps: RecordedStep[];
}

export type TaskSortField = 'created_at' | 'started_at' | 'completed_at' | 'task_name' | 'status';

/** A status filter: a task status, or the existing service's aliases `running` and `cancelled`. */
export type TaskStatusFilter = TaskStatus | 'running' | 'cancelled';

export interface TaskQuery {
  status?: TaskStatusFilter;
  task_name?: string;
  created_by?: string;
  db_name?: string;
  db_name_contains?: string;
  created_time_start?: string;
  created_time_end?: string;
  started_time_start?: string;
  started_time_end?: string;
  completed_time_start?: string;
  completed_time_end?: string;
  sort_by: TaskSortField;
  sort_order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export class TaskIdTakenError extends Error {
  constructor(readonly taskId: string) {
    super(`task ${taskId} already exists`);
    this.name = 'TaskIdTakenError';
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/** A step update that found no row is a bug (a step the store was not synced for), never silence. */
function expectStepRow(taskId: string, step: string, updated: readonly unknown[]): void {
  if (updated.length === 0) throw new Error(`task ${taskId} has no row for step ${step}: the store's step rows are not synced with the step registry`);
}

type TaskDetail = { task: TaskRecord; steps: StepRecord[]; activeRun: RunRecord | undefined };

/** A run as `finishRun` ended it, with its task and the task's steps, read in the same transaction. */
export interface EndedRun {
  run: RunRecord;
  task: TaskRecord | undefined;
  steps: StepRecord[];
}

export interface FinishOptions {
  /**
   * Runs inside the ending transaction, after the updates: a new claim on the task waits until it
   * returns, so what it records (the task directory's result files) precedes any later run. It must
   * not throw (that would roll the end back) and must not query the store but through what it gets.
   */
  whileEnding?: (ended: EndedRun) => Promise<void>;
}

export class TaskStore {
  /**
   * Task details served to pollers. Every write through this store drops the task's entry; the
   * TTL bounds how long a change made by another process sharing the store can go unseen.
   */
  private readonly detailCache = new Map<string, { detail: TaskDetail; at: number }>();
  /** Bumped by every write of a task: a read that overlapped a write is not cached. */
  private readonly generations = new Map<string, number>();

  constructor(
    readonly db: SqlDatabase,
    private readonly detailTtlMs = 250,
  ) {}

  /** Forgets cached details (of one task, or all); called after every write. */
  invalidate(taskId?: string): void {
    if (taskId === undefined) {
      this.detailCache.clear();
      for (const id of this.generations.keys()) this.generations.set(id, (this.generations.get(id) ?? 0) + 1);
      return;
    }
    this.detailCache.delete(taskId);
    this.generations.set(taskId, (this.generations.get(taskId) ?? 0) + 1);
  }

  /** Runs a write and then drops the task's cached detail, whether the write succeeded or not. */
  private async afterWrite<T>(taskId: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      this.invalidate(taskId);
    }
  }

  /** Creates a task and its four pending step rows; `suffixOnConflict` turns `id` into `id_2`, `id_3`… */
  async createTask(task: NewTask, options: { suffixOnConflict?: boolean } = {}): Promise<TaskRecord> {
    for (let attempt = 1; attempt <= 50; attempt += 1) {
      const taskId = attempt === 1 ? task.task_id : `${task.task_id}_${attempt}`;
      try {
        await this.db.transaction(async (tx) => {
          await tx.query(
            `INSERT INTO dp_tasks (task_id, task_name, db_connection, db_name, business_context, parameters, created_by)
             VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
            [taskId, task.task_name, task.db_connection, task.db_name, task.business_context, JSON.stringify(task.parameters), task.created_by],
          );
          await tx.query(
            `INSERT INTO dp_task_steps (task_id, step_name, position) SELECT $1, s.name, s.pos
             FROM unnest($2::text[]) WITH ORDINALITY AS s(name, pos)`,
            [taskId, [...STEP_NAMES]],
          );
        });
        this.invalidate(taskId);
        return (await this.getTask(taskId)) as TaskRecord;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (!options.suffixOnConflict) throw new TaskIdTakenError(taskId);
      }
    }
    throw new TaskIdTakenError(task.task_id);
  }

  /**
   * Records a task whole (adoption of a folder, import) with a row for every step of the registry,
   * unless its id is taken: a lost race with another process recording it too is not an error.
   * Returns whether this call recorded it.
   */
  async recordTask(task: RecordedTask): Promise<boolean> {
    const recorded = await this.afterWrite(task.task_id, () =>
      this.db.transaction(async (tx) => {
        const inserted = await tx.query(
          `INSERT INTO dp_tasks (task_id, task_name, status, db_connection, db_name, business_context, parameters, created_by,
             created_at, started_at, completed_at, updated_at, error_message, origin, origin_info)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::timestamptz, $10::timestamptz, $11::timestamptz, now(), $12, $13, $14::jsonb)
           ON CONFLICT (task_id) DO NOTHING RETURNING task_id`,
          [
            task.task_id,
            task.task_name,
            task.status,
            task.db_connection,
            task.db_name,
            task.business_context,
            JSON.stringify(task.parameters),
            task.created_by,
            task.created_at,
            task.started_at,
            task.completed_at,
            task.error_message,
            task.origin,
            task.origin_info ? JSON.stringify(task.origin_info) : null,
          ],
        );
        if (inserted.length === 0) return false;
        await tx.query(
          `INSERT INTO dp_task_steps (task_id, step_name, position, step_status, started_at, completed_at, error_message, execution_id)
           SELECT $1, s.name, s.pos, COALESCE(g.step_status, 'pending'), g.started_at, g.completed_at, g.error_message, g.execution_id
           FROM unnest($2::text[]) WITH ORDINALITY AS s(name, pos)
           LEFT JOIN jsonb_to_recordset($3::jsonb) AS g(step_name text, step_status text, started_at timestamptz, completed_at timestamptz,
             error_message text, execution_id text) ON g.step_name = s.name`,
          [task.task_id, [...STEP_NAMES], JSON.stringify(task.steps)],
        );
        return true;
      }),
    );
    return recorded;
  }

  /** Which of `taskIds` have a record. */
  async knownTaskIds(taskIds: readonly string[]): Promise<Set<string>> {
    if (taskIds.length === 0) return new Set();
    const rows = await this.db.query<{ task_id: string }>('SELECT task_id FROM dp_tasks WHERE task_id = ANY($1::text[])', [[...taskIds]]);
    return new Set(rows.map((r) => r.task_id));
  }

  /**
   * Gives every task a row for every step of the registry, in its order, and drops rows of steps no
   * longer in it: run once when a process opens the store, so a step added to the registry has
   * rows for the tasks created before it, and step updates never miss.
   */
  async syncStepRows(steps: readonly StepName[] = STEP_NAMES): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO dp_task_steps (task_id, step_name, position)
         SELECT t.task_id, s.name, s.pos FROM dp_tasks t CROSS JOIN unnest($1::text[]) WITH ORDINALITY AS s(name, pos)
         ON CONFLICT (task_id, step_name) DO UPDATE SET position = EXCLUDED.position WHERE dp_task_steps.position <> EXCLUDED.position`,
        [[...steps]],
      );
      await tx.query('DELETE FROM dp_task_steps WHERE NOT (step_name = ANY($1::text[]))', [[...steps]]);
    });
    this.detailCache.clear();
  }

  async getTask(taskId: string): Promise<TaskRecord | undefined> {
    const [row] = await this.db.query<TaskRecord & Record<string, unknown>>(`SELECT ${TASK_COLUMNS} FROM dp_tasks t WHERE t.task_id = $1`, [taskId]);
    return row;
  }

  /** A task with its steps (in workflow order) and its active run, in one round trip per table. */
  async getTaskDetail(taskId: string): Promise<TaskDetail | undefined> {
    const cached = this.detailCache.get(taskId);
    if (cached && Date.now() - cached.at < this.detailTtlMs) return cached.detail;
    const generation = this.generations.get(taskId) ?? 0;
    const detail = await this.readTaskDetail(taskId);
    // A write that finished while we read may have been missed by the read: do not keep it.
    if (detail && (this.generations.get(taskId) ?? 0) === generation) this.detailCache.set(taskId, { detail, at: Date.now() });
    return detail;
  }

  private async readTaskDetail(taskId: string): Promise<TaskDetail | undefined> {
    const task = await this.getTask(taskId);
    if (!task) return undefined;
    const [steps, runs] = await Promise.all([
      this.db.query<StepRecord & Record<string, unknown>>(`SELECT ${STEP_COLUMNS} FROM dp_task_steps s WHERE s.task_id = $1 ORDER BY s.position`, [taskId]),
      this.db.query<RunRecord & Record<string, unknown>>(
        `SELECT ${RUN_COLUMNS} FROM dp_task_runs r WHERE r.task_id = $1 AND r.status IN ('queued', 'running')`,
        [taskId],
      ),
    ]);
    return { task, steps, activeRun: runs[0] };
  }

  async getSteps(taskId: string): Promise<StepRecord[]> {
    return this.db.query<StepRecord & Record<string, unknown>>(`SELECT ${STEP_COLUMNS} FROM dp_task_steps s WHERE s.task_id = $1 ORDER BY s.position`, [
      taskId,
    ]);
  }

  /** A page of tasks (newest first unless sorted otherwise) and the full count of matching tasks. */
  async queryTasks(query: TaskQuery): Promise<{ tasks: (TaskRecord & { step_statuses: StepStatus[] })[]; total: number }> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
    };
    if (query.status === 'cancelled')
      // Cancelling fails the task; the reason is on its last workflow run.
      conditions.push(
        `t.status = 'failed' AND (SELECT r.reason FROM dp_task_runs r WHERE r.task_id = t.task_id AND r.execution_mode IN ('complete', 'step')
          ORDER BY r.created_at DESC, r.run_id DESC LIMIT 1) = 'cancelled'`,
      );
    else if (query.status) add('t.status = ?', query.status === 'running' ? 'in_progress' : query.status);
    if (query.task_name)
      add(
        `t.task_name ILIKE '%' || ? || '%'`,
        query.task_name.replace(/[\\%_]/g, (c) => `\\${c}`),
      );
    if (query.created_by) add('t.created_by = ?', query.created_by);
    if (query.db_name) add('t.db_name = ?', query.db_name);
    if (query.db_name_contains)
      add(
        `t.db_name ILIKE '%' || ? || '%'`,
        query.db_name_contains.replace(/[\\%_]/g, (c) => `\\${c}`),
      );
    for (const field of ['created', 'started', 'completed'] as const) {
      const start = query[`${field}_time_start`];
      const end = query[`${field}_time_end`];
      if (start) add(`t.${field}_at >= ?::timestamptz`, start);
      if (end) add(`t.${field}_at <= ?::timestamptz`, end);
    }
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const direction = query.sort_order === 'asc' ? 'ASC' : 'DESC';
    const order = `t.${query.sort_by} ${direction} NULLS LAST, t.task_id ${direction}`;
    const [count] = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dp_tasks t ${where}`, params);
    const rows = await this.db.query<TaskRecord & { step_statuses: StepStatus[] } & Record<string, unknown>>(
      `SELECT ${TASK_COLUMNS},
              (SELECT to_json(array_agg(s.step_status ORDER BY s.position)) FROM dp_task_steps s WHERE s.task_id = t.task_id) AS step_statuses
       FROM dp_tasks t ${where} ORDER BY ${order} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, query.limit, query.offset],
    );
    return { tasks: rows, total: count?.n ?? 0 };
  }

  /** Deletes task records (steps, runs and events cascade). Returns the ids that existed. */
  async deleteTasks(taskIds: string[]): Promise<string[]> {
    const rows = await this.db.query<{ task_id: string }>('DELETE FROM dp_tasks WHERE task_id = ANY($1::text[]) RETURNING task_id', [taskIds]);
    for (const id of taskIds) this.invalidate(id);
    return rows.map((r) => r.task_id);
  }

  /**
   * The execution claim: inserts a queued run, unless the task already has a queued or running
   * one (a unique index makes this atomic, across processes sharing the store).
   */
  async claimRun(input: {
    taskId: string;
    mode: ExecutionMode;
    step: StepName | null;
    options: RunOptions;
    owner: string;
  }): Promise<{ run: RunRecord } | { conflict: RunRecord }> {
    const runId = `run_${randomUUID()}`;
    try {
      const [run] = await this.db.query<RunRecord & Record<string, unknown>>(
        `INSERT INTO dp_task_runs AS r (run_id, task_id, execution_mode, step_name, options, status, owner)
         VALUES ($1, $2, $3, $4, $5::jsonb, 'queued', $6) RETURNING ${RUN_COLUMNS}`,
        [runId, input.taskId, input.mode, input.step, JSON.stringify(input.options), input.owner],
      );
      this.invalidate(input.taskId);
      return { run: run as RunRecord };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const active = await this.activeRun(input.taskId);
      if (active) return { conflict: active };
      // The other run ended between our insert and our read: try once more.
      return this.claimRun(input);
    }
  }

  /** Adds to a claimed run's options (the backup made between the claim and the start). */
  async addRunOptions(run: RunRecord, patch: Partial<RunOptions>): Promise<RunRecord> {
    await this.db.query(`UPDATE dp_task_runs SET options = options || $2::jsonb WHERE run_id = $1`, [run.run_id, JSON.stringify(patch)]);
    return { ...run, options: { ...run.options, ...patch } };
  }

  /**
   * Ends a claim that was not a workflow run (a restore, a delete): the run is recorded completed or
   * failed, the task's own status is left as it was; an upload's claim is removed.
   */
  async releaseRun(run: RunRecord, outcome: { status: 'completed' | 'failed'; error: string | null }): Promise<void> {
    // An upload's claim lasts as long as a file write: it leaves no record behind.
    if (run.execution_mode === 'upload') {
      await this.afterWrite(run.task_id, () => this.db.query('DELETE FROM dp_task_runs WHERE run_id = $1', [run.run_id]));
      return;
    }
    await this.afterWrite(run.task_id, () =>
      this.db.query(
        `UPDATE dp_task_runs SET status = $2, error_message = $3, reason = CASE WHEN $2 = 'failed' THEN 'error' END, finished_at = now()
         WHERE run_id = $1 AND status IN ('queued', 'running')`,
        [run.run_id, outcome.status, outcome.error],
      ),
    );
  }

  async activeRun(taskId: string): Promise<RunRecord | undefined> {
    const [run] = await this.db.query<RunRecord & Record<string, unknown>>(
      `SELECT ${RUN_COLUMNS} FROM dp_task_runs r WHERE r.task_id = $1 AND r.status IN ('queued', 'running')`,
      [taskId],
    );
    return run;
  }

  /** A task's runs (and claims: restores, deletes, uploads), newest first, each with its own outcome. */
  async listRuns(taskId: string, limit: number): Promise<(RunRecord & { result: Record<string, unknown> | null })[]> {
    return this.db.query<RunRecord & { result: Record<string, unknown> | null } & Record<string, unknown>>(
      `SELECT ${RUN_COLUMNS}, r.result FROM dp_task_runs r WHERE r.task_id = $1 ORDER BY r.created_at DESC, r.run_id DESC LIMIT $2`,
      [taskId, limit],
    );
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const [run] = await this.db.query<RunRecord & Record<string, unknown>>(`SELECT ${RUN_COLUMNS} FROM dp_task_runs r WHERE r.run_id = $1`, [runId]);
    return run;
  }

  /**
   * Starts a queued run: the run becomes running; the task in_progress with its error and end time
   * cleared; the steps the run will execute are reset; earlier runs' events are dropped.
   * Returns false when the run is no longer queued (cancelled or expired meanwhile).
   */
  async startRun(run: RunRecord, steps: StepName[]): Promise<boolean> {
    return this.afterWrite(run.task_id, () => this.startRunIn(run, steps));
  }

  private startRunIn(run: RunRecord, steps: StepName[]): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const started = await tx.query(
        `UPDATE dp_task_runs SET status = 'running', started_at = now(), heartbeat_at = now()
         WHERE run_id = $1 AND status = 'queued' AND NOT cancel_requested RETURNING run_id`,
        [run.run_id],
      );
      if (started.length === 0) return false;
      await tx.query(
        `UPDATE dp_tasks SET status = 'in_progress', started_at = now(), completed_at = NULL, error_message = NULL,
           current_step = NULL, updated_at = now() WHERE task_id = $1`,
        [run.task_id],
      );
      await tx.query(
        `UPDATE dp_task_steps SET step_status = 'pending', started_at = NULL, completed_at = NULL, error_message = NULL,
           counters = '{}', result = NULL, execution_id = NULL WHERE task_id = $1 AND step_name = ANY($2::text[])`,
        [run.task_id, steps],
      );
      await tx.query('DELETE FROM dp_task_events WHERE task_id = $1 AND run_id IS DISTINCT FROM $2', [run.task_id, run.run_id]);
      return true;
    });
  }

  /** A step starts; `executionId` (the run executing it) is what `current_step.execution_id` answers. */
  async stepStarted(taskId: string, step: StepName, executionId: string | null = null): Promise<void> {
    await this.afterWrite(taskId, () =>
      this.db.transaction(async (tx) => {
        expectStepRow(
          taskId,
          step,
          await tx.query(
            `UPDATE dp_task_steps SET step_status = 'running', started_at = now(), completed_at = NULL, error_message = NULL, execution_id = $3
           WHERE task_id = $1 AND step_name = $2 RETURNING step_name`,
            [taskId, step, executionId],
          ),
        );
        await tx.query('UPDATE dp_tasks SET current_step = $2, updated_at = now() WHERE task_id = $1', [taskId, step]);
      }),
    );
  }

  async stepProgress(taskId: string, step: StepName, counters: StepCounters): Promise<void> {
    await this.afterWrite(taskId, async () =>
      expectStepRow(
        taskId,
        step,
        await this.db.query(`UPDATE dp_task_steps SET counters = counters || $3::jsonb WHERE task_id = $1 AND step_name = $2 RETURNING step_name`, [
          taskId,
          step,
          JSON.stringify(counters),
        ]),
      ),
    );
  }

  async stepFinished(
    taskId: string,
    step: StepName,
    outcome: { status: 'completed' | 'failed'; error: string | null; counters: StepCounters; result: Record<string, unknown> | null },
  ): Promise<void> {
    expectStepRow(
      taskId,
      step,
      await this.db.query(
        `UPDATE dp_task_steps SET step_status = $3, completed_at = now(), error_message = $4, counters = counters || $5::jsonb, result = $6::jsonb
         WHERE task_id = $1 AND step_name = $2 RETURNING step_name`,
        [taskId, step, outcome.status, outcome.error, JSON.stringify(outcome.counters), outcome.result ? JSON.stringify(outcome.result) : null],
      ),
    );
    this.invalidate(taskId);
  }

  /**
   * Ends a run, sets the task's final status and stores the run's `run_finished` event, in one
   * transaction: whoever sees the run no longer active also sees that event. A run that has
   * already ended (e.g. expired by another process) is left alone, and so is its task, which may
   * have a newer run by now. Returns whether this call ended the run.
   */
  async finishRun(
    run: RunRecord,
    outcome: {
      status: 'completed' | 'failed';
      reason: RunReason | null;
      error: string | null;
      taskStatus: TaskStatus;
      result: Record<string, unknown> | null;
      llmUsage: LlmUsageSnapshot | null;
    },
    options: FinishOptions = {},
  ): Promise<boolean> {
    const ended = await this.db.transaction(async (tx) => {
      const updated = await tx.query<RunRecord & Record<string, unknown>>(
        `UPDATE dp_task_runs AS r SET status = $2, reason = $3, error_message = $4, finished_at = now(), llm_usage = $5::jsonb, result = $6::jsonb
         WHERE run_id = $1 AND status IN ('queued', 'running') RETURNING ${RUN_COLUMNS}`,
        [
          run.run_id,
          outcome.status,
          outcome.reason,
          outcome.error,
          outcome.llmUsage ? JSON.stringify(outcome.llmUsage) : null,
          outcome.result ? JSON.stringify(outcome.result) : null,
        ],
      );
      if (updated.length === 0) return false;
      await tx.query(
        `UPDATE dp_tasks SET status = $2, error_message = $3, completed_at = now(), current_step = NULL, updated_at = now(),
           result = COALESCE($4::jsonb, result) WHERE task_id = $1`,
        [run.task_id, outcome.taskStatus, outcome.error, outcome.result ? JSON.stringify(outcome.result) : null],
      );
      // Steps left running by an interrupted or cancelled run did not complete.
      await tx.query(
        `UPDATE dp_task_steps SET step_status = 'failed', completed_at = now(), error_message = COALESCE(error_message, $2)
         WHERE task_id = $1 AND step_status = 'running'`,
        [run.task_id, outcome.reason ?? 'failed'],
      );
      await tx.query(`INSERT INTO dp_task_events (task_id, run_id, type, data) VALUES ($1, $2, 'run_finished', $3::jsonb)`, [
        run.task_id,
        run.run_id,
        JSON.stringify({ status: outcome.status, reason: outcome.reason, error: outcome.error }),
      ]);
      if (options.whileEnding) {
        const [task] = await tx.query<TaskRecord & Record<string, unknown>>(`SELECT ${TASK_COLUMNS} FROM dp_tasks t WHERE t.task_id = $1`, [run.task_id]);
        const steps = await tx.query<StepRecord & Record<string, unknown>>(
          `SELECT ${STEP_COLUMNS} FROM dp_task_steps s WHERE s.task_id = $1 ORDER BY s.position`,
          [run.task_id],
        );
        await options.whileEnding({ run: updated[0] as RunRecord, task, steps });
      }
      return true;
    });
    this.invalidate(run.task_id);
    return ended;
  }

  /**
   * Keeps the owner's runs alive. Returns the ids of those whose cancellation was requested, and
   * of those that are no longer active (ended elsewhere, e.g. expired by another process).
   */
  async heartbeat(runIds: string[]): Promise<{ cancelled: string[]; ended: string[] }> {
    if (runIds.length === 0) return { cancelled: [], ended: [] };
    const rows = await this.db.query<{ run_id: string; cancel_requested: boolean }>(
      `UPDATE dp_task_runs SET heartbeat_at = now() WHERE run_id = ANY($1::text[]) AND status IN ('queued', 'running')
       RETURNING run_id, cancel_requested`,
      [runIds],
    );
    const alive = new Set(rows.map((r) => r.run_id));
    return { cancelled: rows.filter((r) => r.cancel_requested).map((r) => r.run_id), ended: runIds.filter((id) => !alive.has(id)) };
  }

  /** Asks the active run of a task to stop; returns that run, or undefined when none is active. */
  async requestCancel(taskId: string): Promise<RunRecord | undefined> {
    const [run] = await this.db.query<RunRecord & Record<string, unknown>>(
      `UPDATE dp_task_runs r SET cancel_requested = true WHERE r.task_id = $1 AND r.status IN ('queued', 'running') RETURNING ${RUN_COLUMNS}`,
      [taskId],
    );
    this.invalidate(taskId);
    return run;
  }

  /**
   * Marks runs whose heartbeat is older than `ttlMs` (or, with `owner`, every active run of that
   * owner) as failed with reason `interrupted`, and their tasks failed. Returns the runs ended.
   * `except` spares the runs the calling process knows are still going: a late heartbeat (a busy
   * event loop) must not end them. `options.whileEnding` runs in each run's ending transaction.
   */
  async expireRuns(filter: { ttlMs: number; except?: string[] } | { owner: string } | { all: true }, options: FinishOptions = {}): Promise<RunRecord[]> {
    const [condition, params]: [string, unknown[]] =
      'ttlMs' in filter
        ? [
            `r.heartbeat_at < now() - ($1::int * interval '1 millisecond') AND NOT (r.run_id = ANY($2::text[]))`,
            [Math.floor(filter.ttlMs), filter.except ?? []],
          ]
        : 'owner' in filter
          ? ['r.owner = $1', [filter.owner]]
          : ['true', []];
    const expired = await this.db.query<RunRecord & Record<string, unknown>>(
      `SELECT ${RUN_COLUMNS} FROM dp_task_runs r WHERE r.status IN ('queued', 'running') AND ${condition}`,
      params,
    );
    const ended: RunRecord[] = [];
    for (const run of expired) {
      const finished = await this.finishRun(
        run,
        {
          status: 'failed',
          reason: 'interrupted',
          error: 'interrupted: the process running this task stopped before it finished',
          taskStatus: 'failed',
          result: null,
          llmUsage: null,
        },
        options,
      );
      if (finished) ended.push(run);
    }
    return ended;
  }

  async setLastBackup(taskId: string, backup: Record<string, unknown>): Promise<void> {
    await this.db.query(`UPDATE dp_tasks SET last_backup = $2::jsonb, updated_at = now() WHERE task_id = $1`, [taskId, JSON.stringify(backup)]);
    this.invalidate(taskId);
  }

  async appendEvents(events: { task_id: string; run_id: string | null; type: string; data: Record<string, unknown> }[]): Promise<void> {
    if (events.length === 0) return;
    await this.db.query(
      `INSERT INTO dp_task_events (task_id, run_id, type, data)
       SELECT e.task_id, e.run_id, e.type, e.data::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS e(task_id, run_id, type, data)`,
      [events.map((e) => e.task_id), events.map((e) => e.run_id), events.map((e) => e.type), events.map((e) => JSON.stringify(e.data))],
    );
  }

  async readEvents(taskId: string, afterSeq: number, limit = 500): Promise<StoredEvent[]> {
    return this.db.query<StoredEvent & Record<string, unknown>>(
      `SELECT seq::int8 AS seq, task_id, run_id, type, data, ${iso('created_at')} FROM dp_task_events
       WHERE task_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [taskId, afterSeq, limit],
    );
  }
}
