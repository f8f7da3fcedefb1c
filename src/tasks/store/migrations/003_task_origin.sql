-- Where a task record came from: the API (api), a task folder found under the data root without a
-- record (folder: the existing service's or our `data-pipeline run`'s), or the existing service's
-- task tables (import). origin_info keeps what the source said that has no column of ours.
ALTER TABLE dp_tasks ADD COLUMN origin text NOT NULL DEFAULT 'api';
ALTER TABLE dp_tasks ADD COLUMN origin_info jsonb;
-- The existing service's execution batch of an imported step.
ALTER TABLE dp_task_steps ADD COLUMN execution_id text;
