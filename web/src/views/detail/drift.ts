/**
 * Above a task's tabs: what its last run reused, and whether its source database changed since the
 * files were made (GET /tasks/{id}/drift), with a Refresh action that runs the complete workflow.
 */
import { api, taskPath, type TaskDrift, type TaskView } from '../../api.js';
import { formatTime, h, replace } from '../../dom.js';
import { t } from '../../i18n/index.js';

type Reuse = NonNullable<NonNullable<TaskView['result']>['reuse']>;

/** `LLM cache: 12 hits, 0 misses · embeddings: 40 hits, 0 misses · 1 table regenerated · 4 of 5 themes kept`. */
export function reuseText(reuse: Reuse): string {
  const parts = [
    reuse.cache
      ? t('LLM cache: {{llmHits}} hit(s), {{llmMisses}} miss(es) · embeddings: {{embeddingHits}} hit(s), {{embeddingMisses}} miss(es)', {
          llmHits: reuse.llm.hits,
          llmMisses: reuse.llm.misses,
          embeddingHits: reuse.embeddings.hits,
          embeddingMisses: reuse.embeddings.misses,
        })
      : t('cache off'),
  ];
  if (reuse.regenerated_tables) parts.push(t('{{tables}} table(s) regenerated', { tables: reuse.regenerated_tables.length }));
  if (reuse.themes_kept !== null && reuse.themes_asked !== null) {
    parts.push(t('{{kept}} of {{total}} theme(s) kept', { kept: reuse.themes_kept, total: reuse.themes_kept + reuse.themes_asked }));
  }
  return parts.join(' · ');
}

function changeList(drift: TaskDrift): HTMLElement {
  const items: (string | HTMLElement)[] = [];
  for (const table of drift.tables_added) items.push(t('{{table}}: new (listed, not documented yet)', { table }));
  for (const table of drift.tables_removed) items.push(t('{{table}}: no longer in the database', { table }));
  for (const c of drift.tables_changed) {
    const parts: string[] = [];
    if (c.kind_changed) parts.push(t('now a {{kind}}', { kind: c.kind_changed.after }));
    if (c.comment_changed) parts.push(t('table comment changed'));
    if (c.columns_added.length) parts.push(t('column(s) added: {{columns}}', { columns: c.columns_added.map((col) => `${col.name} ${col.type}`).join(', ') }));
    if (c.columns_removed.length) parts.push(t('column(s) removed: {{columns}}', { columns: c.columns_removed.join(', ') }));
    if (c.columns_changed.length) {
      parts.push(
        t('column(s) changed: {{columns}}', { columns: c.columns_changed.map((col) => `${col.column} ${col.before.type} → ${col.after.type}`).join(', ') }),
      );
    }
    if (c.column_comments_changed.length)
      parts.push(t('comment(s) changed: {{columns}}', { columns: c.column_comments_changed.map((col) => col.column).join(', ') }));
    if (c.constraints_changed) parts.push(t('keys or constraints changed'));
    items.push(t('{{table}}: {{changes}}', { table: c.table, changes: parts.join(t('; ')) }));
  }
  return h(
    'ul',
    { class: 'drift-list' },
    items.map((item) => h('li', {}, item)),
  );
}

/**
 * Checks drift now and shows it in `container`; `refresh` runs the complete workflow (the page's
 * own action, with its confirmation). Only for tasks whose files were made.
 */
export async function renderDriftPanel(container: HTMLElement, task: TaskView, signal: AbortSignal, refresh: () => void): Promise<void> {
  const documented = task.steps.some((s) => s.step_name === 'ddl_generation' && s.step_status === 'completed');
  const reuse = task.result?.reuse;
  const reused = reuse ? h('p', { class: 'muted small reuse-line' }, t('Last run reused: {{reuse}}', { reuse: reuseText(reuse) })) : null;
  if (!documented) {
    replace(container, reused);
    return;
  }
  const check = h(
    'button',
    { type: 'button', class: 'button small', onclick: () => void renderDriftPanel(container, task, signal, refresh) },
    t('Check again'),
  );
  replace(container, reused, h('p', { class: 'muted small', role: 'status' }, t('Checking the database for schema changes…')));
  let drift: TaskDrift;
  try {
    drift = await api<TaskDrift>('GET', `${taskPath(task.task_id)}/drift`, undefined, signal);
  } catch (error) {
    if (signal.aborted) return;
    replace(
      container,
      reused,
      h(
        'p',
        { class: 'hint drift-state' },
        `${t('Schema changes could not be checked: {{error}}', { error: error instanceof Error ? error.message : String(error) })} `,
        check,
      ),
    );
    return;
  }
  const since = formatTime(drift.compared_with.written_at);
  if (!drift.drifted) {
    replace(
      container,
      reused,
      h(
        'p',
        { class: 'muted small drift-state', 'data-drifted': 'false' },
        `${t('No schema changes in the {{tables}} documented table(s) since {{time}}.', { tables: drift.tables_checked, time: since })} `,
        check,
      ),
    );
    return;
  }
  const count = drift.tables_added.length + drift.tables_removed.length + drift.tables_changed.length;
  replace(
    container,
    reused,
    h(
      'div',
      { class: 'card drift-card', role: 'region', 'aria-label': t('Schema drift'), 'data-drifted': 'true' },
      h('h2', {}, t('The database changed since {{time}}: {{tables}} table(s)', { time: since, tables: count })),
      changeList(drift),
      h(
        'div',
        { class: 'toolbar' },
        h('button', { type: 'button', class: 'button primary', disabled: Boolean(task.active_run), onclick: refresh }, t('Refresh: run the complete workflow')),
        check,
      ),
      h('p', { class: 'hint' }, t('Only what changed is regenerated: unchanged tables and themes come from the previous run and the cache.')),
    ),
  );
}
