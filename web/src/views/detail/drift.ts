/**
 * Above a task's tabs: what its last run reused, and whether its source database changed since the
 * files were made (GET /tasks/{id}/drift), with a Refresh action that runs the complete workflow.
 */
import { api, taskPath, type TaskDrift, type TaskView } from '../../api.js';
import { formatTime, h, replace } from '../../dom.js';

type Reuse = NonNullable<NonNullable<TaskView['result']>['reuse']>;

/** `LLM cache: 12 hits, 0 misses · embeddings: 40 hits, 0 misses · 1 table regenerated · 4 of 5 themes kept`. */
export function reuseText(reuse: Reuse): string {
  const parts = [
    reuse.cache
      ? `LLM cache: ${reuse.llm.hits} hit(s), ${reuse.llm.misses} miss(es) · embeddings: ${reuse.embeddings.hits} hit(s), ${reuse.embeddings.misses} miss(es)`
      : 'cache off',
  ];
  if (reuse.regenerated_tables) parts.push(`${reuse.regenerated_tables.length} table(s) regenerated`);
  if (reuse.themes_kept !== null && reuse.themes_asked !== null) parts.push(`${reuse.themes_kept} of ${reuse.themes_kept + reuse.themes_asked} theme(s) kept`);
  return parts.join(' · ');
}

function changeList(drift: TaskDrift): HTMLElement {
  const items: (string | HTMLElement)[] = [];
  for (const table of drift.tables_added) items.push(`${table}: new (listed, not documented yet)`);
  for (const table of drift.tables_removed) items.push(`${table}: no longer in the database`);
  for (const t of drift.tables_changed) {
    const parts: string[] = [];
    if (t.kind_changed) parts.push(`now a ${t.kind_changed.after}`);
    if (t.comment_changed) parts.push('table comment changed');
    if (t.columns_added.length) parts.push(`column(s) added: ${t.columns_added.map((c) => `${c.name} ${c.type}`).join(', ')}`);
    if (t.columns_removed.length) parts.push(`column(s) removed: ${t.columns_removed.join(', ')}`);
    if (t.columns_changed.length) parts.push(`column(s) changed: ${t.columns_changed.map((c) => `${c.column} ${c.before.type} → ${c.after.type}`).join(', ')}`);
    if (t.column_comments_changed.length) parts.push(`comment(s) changed: ${t.column_comments_changed.map((c) => c.column).join(', ')}`);
    if (t.constraints_changed) parts.push('keys or constraints changed');
    items.push(`${t.table}: ${parts.join('; ')}`);
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
  const reused = reuse ? h('p', { class: 'muted small reuse-line' }, `Last run reused: ${reuseText(reuse)}`) : null;
  if (!documented) {
    replace(container, reused);
    return;
  }
  const check = h('button', { type: 'button', class: 'button small', onclick: () => void renderDriftPanel(container, task, signal, refresh) }, 'Check again');
  replace(container, reused, h('p', { class: 'muted small', role: 'status' }, 'Checking the database for schema changes…'));
  let drift: TaskDrift;
  try {
    drift = await api<TaskDrift>('GET', `${taskPath(task.task_id)}/drift`, undefined, signal);
  } catch (error) {
    if (signal.aborted) return;
    replace(
      container,
      reused,
      h('p', { class: 'hint drift-state' }, `Schema changes could not be checked: ${error instanceof Error ? error.message : String(error)} `, check),
    );
    return;
  }
  const since = `since ${formatTime(drift.compared_with.written_at)}`;
  if (!drift.drifted) {
    replace(
      container,
      reused,
      h(
        'p',
        { class: 'muted small drift-state', 'data-drifted': 'false' },
        `No schema changes in the ${drift.tables_checked} documented table(s) ${since}. `,
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
      { class: 'card drift-card', role: 'region', 'aria-label': 'Schema drift', 'data-drifted': 'true' },
      h('h2', {}, `The database changed ${since}: ${count} table(s)`),
      changeList(drift),
      h(
        'div',
        { class: 'toolbar' },
        h('button', { type: 'button', class: 'button primary', disabled: Boolean(task.active_run), onclick: refresh }, 'Refresh: run the complete workflow'),
        check,
      ),
      h('p', { class: 'hint' }, 'Only what changed is regenerated: unchanged tables and themes come from the previous run and the cache.'),
    ),
  );
}
