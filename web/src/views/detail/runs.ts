/** The task's run history: every run with its mode, outcome, times, duration and counts. */
import { api, type RunHistory, taskPath } from '../../api.js';
import { badge, empty, formatDuration, formatTime, h, loading, replace } from '../../dom.js';

const MODE_LABEL: Record<string, string> = {
  complete: 'complete workflow',
  step: 'one step',
  restore: 'backup restore',
  delete: 'delete',
  upload: 'file change',
};

export async function renderRuns(panel: HTMLElement, taskId: string, signal: AbortSignal): Promise<void> {
  replace(panel, loading('Loading the runs…'));
  const history = await api<RunHistory>('GET', `${taskPath(taskId)}/runs`, undefined, signal);
  if (history.runs.length === 0) {
    replace(panel, empty('No run yet: run the complete workflow or one step.'));
    return;
  }
  const counts = (summary: RunHistory['runs'][number]['summary']) => {
    if (!summary) return '—';
    const rate = summary.validation_rate;
    return [
      `${summary.tables ?? 0} table(s)`,
      `${summary.pairs ?? 0} pair(s)${rate === null || rate === undefined ? '' : `, ${(rate * 100).toFixed(0)}% valid`}`,
      `${summary.vectors ?? 0} vector(s)`,
    ].join(' · ');
  };
  replace(
    panel,
    h(
      'table',
      { class: 'grid run-table' },
      h('caption', { class: 'visually-hidden' }, 'Runs, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Started', 'What', 'Outcome', 'Duration', 'Counts', 'LLM calls'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        history.runs.map((run) =>
          h(
            'tr',
            { 'data-run': run.run_id },
            h('td', { 'data-label': 'Started' }, formatTime(run.started_at ?? run.created_at)),
            h('td', { 'data-label': 'What' }, `${MODE_LABEL[run.execution_mode] ?? run.execution_mode}${run.step_name ? `: ${run.step_name}` : ''}`),
            h('td', { 'data-label': 'Outcome' }, badge(run.outcome), run.error_message ? h('div', { class: 'error-text small' }, run.error_message) : null),
            h('td', { 'data-label': 'Duration' }, formatDuration(run.duration_ms)),
            h('td', { 'data-label': 'Counts' }, counts(run.summary)),
            h('td', { 'data-label': 'LLM calls' }, run.llm_calls === null ? '—' : String(run.llm_calls)),
          ),
        ),
      ),
    ),
  );
}
