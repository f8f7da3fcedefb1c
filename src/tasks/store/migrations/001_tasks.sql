-- Tasks, their steps, their runs (at most one active per task) and the events of their runs.
CREATE TABLE dp_tasks (
  task_id text PRIMARY KEY,
  task_name text,
  status text NOT NULL DEFAULT 'pending',
  -- The full connection URL, password included: needed to run, never returned or written to a file.
  db_connection text NOT NULL,
  db_name text,
  business_context text NOT NULL,
  parameters jsonb NOT NULL DEFAULT '{}',
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  completed_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  error_message text,
  current_step text,
  result jsonb,
  last_backup jsonb
);
CREATE INDEX dp_tasks_created_at ON dp_tasks (created_at DESC, task_id DESC);

CREATE TABLE dp_task_steps (
  task_id text NOT NULL REFERENCES dp_tasks (task_id) ON DELETE CASCADE,
  step_name text NOT NULL,
  position int NOT NULL,
  step_status text NOT NULL DEFAULT 'pending',
  started_at timestamptz,
  completed_at timestamptz,
  error_message text,
  counters jsonb NOT NULL DEFAULT '{}',
  result jsonb,
  PRIMARY KEY (task_id, step_name)
);

CREATE TABLE dp_task_runs (
  run_id text PRIMARY KEY,
  task_id text NOT NULL REFERENCES dp_tasks (task_id) ON DELETE CASCADE,
  execution_mode text NOT NULL,
  step_name text,
  options jsonb NOT NULL DEFAULT '{}',
  -- queued | running | completed | failed; reason: error | cancelled | interrupted
  status text NOT NULL,
  reason text,
  owner text NOT NULL,
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  cancel_requested boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  error_message text,
  llm_usage jsonb
);
-- The execution claim: a second queued or running run of a task violates this index.
CREATE UNIQUE INDEX dp_task_runs_one_active ON dp_task_runs (task_id) WHERE status IN ('queued', 'running');
CREATE INDEX dp_task_runs_task ON dp_task_runs (task_id, created_at DESC);

CREATE TABLE dp_task_events (
  seq bigserial PRIMARY KEY,
  task_id text NOT NULL REFERENCES dp_tasks (task_id) ON DELETE CASCADE,
  run_id text,
  type text NOT NULL,
  data jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dp_task_events_task ON dp_task_events (task_id, seq);
