-- Each run's own outcome (summary, LLM usage, reuse, warnings), for the task's run history:
-- dp_tasks.result keeps only the last one.
ALTER TABLE dp_task_runs ADD COLUMN result jsonb;
