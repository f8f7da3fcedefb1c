/** The task's run history: every run with its mode, outcome, times, duration and counts. */
import { api, type RunHistory, taskPath } from '../../api.js';
import { badge, empty, formatDuration, formatTime, h, loading, replace } from '../../dom.js';
import { t } from '../../i18n/index.js';

/** What kind of run it was (the API's mode when not listed). */
function modeLabel(mode: string): string {
  switch (mode) {
    case 'complete':
      return t('complete workflow');
    case 'step':
      return t('one step');
    case 'restore':
      return t('backup restore');
    case 'delete':
      return t('delete');
    case 'upload':
      return t('file change');
    default:
      return mode;
  }
}

export async function renderRuns(panel: HTMLElement, taskId: string, signal: AbortSignal): Promise<void> {
  replace(panel, loading(t('Loading the runs…')));
  const history = await api<RunHistory>('GET', `${taskPath(taskId)}/runs`, undefined, signal);
  if (history.runs.length === 0) {
    replace(panel, empty(t('No run yet: run the complete workflow or one step.')));
    return;
  }
  const counts = (summary: RunHistory['runs'][number]['summary']) => {
    if (!summary) return '—';
    const rate = summary.validation_rate;
    const pairs = summary.pairs ?? 0;
    return [
      t('{{tables}} table(s)', { tables: summary.tables ?? 0 }),
      rate === null || rate === undefined
        ? t('{{pairs}} pair(s)', { pairs })
        : t('{{pairs}} pair(s), {{rate}}% valid', { pairs, rate: (rate * 100).toFixed(0) }),
      t('{{vectors}} vector(s)', { vectors: summary.vectors ?? 0 }),
    ].join(' · ');
  };
  replace(
    panel,
    h(
      'table',
      { class: 'grid run-table' },
      h('caption', { class: 'visually-hidden' }, t('Runs, newest first')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [t('Started'), t('What'), t('Outcome'), t('Duration'), t('Counts'), t('LLM calls')].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        history.runs.map((run) =>
          h(
            'tr',
            { 'data-run': run.run_id },
            h('td', { 'data-label': t('Started') }, formatTime(run.started_at ?? run.created_at)),
            h(
              'td',
              { 'data-label': t('What') },
              run.step_name ? t('{{mode}}: {{step}}', { mode: modeLabel(run.execution_mode), step: run.step_name }) : modeLabel(run.execution_mode),
            ),
            h('td', { 'data-label': t('Outcome') }, badge(run.outcome), run.error_message ? h('div', { class: 'error-text small' }, run.error_message) : null),
            h('td', { 'data-label': t('Duration') }, formatDuration(run.duration_ms)),
            h('td', { 'data-label': t('Counts') }, counts(run.summary)),
            h('td', { 'data-label': t('LLM calls') }, run.llm_calls === null ? '—' : String(run.llm_calls)),
          ),
        ),
      ),
    ),
  );
}
