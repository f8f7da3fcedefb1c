/** The step timeline: each step's status, times, progress (live from SSE) and counters. */
import type { StepView, TaskView } from '../../api.js';
import { badge, formatDuration, formatTime, h, replace, stepTitle } from '../../dom.js';
import { t } from '../../i18n/index.js';

export interface LiveState {
  /** Progress of the running step(s) from `progress` events. */
  progress: Record<string, { done: number; total: number; unit: string }>;
  /** The last log lines of the run in progress. */
  logTail: string[];
}

/** A step counter's or a run summary's field as people read it (the API's name, spaced, when not listed). */
function counterLabel(key: string): string {
  switch (key) {
    case 'tables':
      return t('tables');
    case 'tables_total':
      return t('tables total');
    case 'tables_done':
      return t('tables done');
    case 'tables_failed':
      return t('tables failed');
    case 'themes':
      return t('themes');
    case 'themes_failed':
      return t('themes failed');
    case 'pairs':
      return t('pairs');
    case 'pairs_valid':
      return t('pairs valid');
    case 'pairs_invalid':
      return t('pairs invalid');
    case 'pairs_repaired':
      return t('pairs repaired');
    case 'pairs_removed':
      return t('pairs removed');
    case 'pairs_empty_result':
      return t('pairs empty result');
    case 'pairs_flagged':
      return t('pairs flagged');
    case 'validation_rate':
      return t('validation rate');
    case 'documents':
      return t('documents');
    case 'vectors':
      return t('vectors');
    case 'files':
      return t('files');
    case 'files_written':
      return t('files written');
    default:
      return key.replace(/_/g, ' ');
  }
}

/** `3 / 10 tables`: a running step's progress in the unit its step counts. */
function progressText({ done, total, unit }: { done: number; total: number; unit: string }): string {
  switch (unit) {
    case 'tables':
      return t('{{done}} / {{total}} tables', { done, total });
    case 'themes':
      return t('{{done}} / {{total}} themes', { done, total });
    case 'statements':
      return t('{{done}} / {{total}} statements', { done, total });
    case 'documents':
      return t('{{done}} / {{total}} documents', { done, total });
    default:
      return `${done} / ${total} ${unit}`;
  }
}

function progressOf(step: StepView, live: LiveState): { done: number; total: number; unit: string } | undefined {
  const fromEvents = live.progress[step.step_name];
  if (fromEvents) return fromEvents;
  const stored = step.counters?.progress as { done?: number; total?: number; unit?: string } | undefined;
  return stored && typeof stored.total === 'number' ? { done: stored.done ?? 0, total: stored.total, unit: stored.unit ?? '' } : undefined;
}

function counterList(step: StepView): HTMLElement | null {
  const entries = Object.entries(step.counters ?? {}).filter(([key, value]) => key !== 'progress' && (typeof value === 'number' || typeof value === 'string'));
  if (!entries.length) return null;
  return h(
    'dl',
    { class: 'counters' },
    entries.map(([key, value]) => [h('dt', {}, counterLabel(key)), h('dd', {}, String(value))]),
  );
}

const percent = (share: number | null | undefined) => (typeof share === 'number' ? `${Math.round(share * 100)}%` : '—');

/** How well the loaded set retrieves itself (training_load's `retrieval`), or why it was not measured. */
function retrievalLine(step: StepView): HTMLElement | null {
  const retrieval = step.result?.retrieval as
    | { skipped?: string; self?: { questions: number; hit_at_1: number | null; hit_at_5: number | null }; tables?: { tables: number; hit_at_5: number | null } }
    | undefined;
  if (!retrieval) return null;
  if (retrieval.skipped) return h('p', { class: 'muted small retrieval' }, t('Retrieval not measured: {{reason}}', { reason: retrieval.skipped }));
  if (!retrieval.self || !retrieval.tables) return null;
  return h(
    'p',
    { class: 'small retrieval' },
    t(
      'Retrieval: a question finds its own pair first {{at1}}, in the top 5 {{at5}} ({{questions}} questions); a table comment finds its DDL in the top 5 {{tables5}} ({{tables}} tables)',
      {
        at1: percent(retrieval.self.hit_at_1),
        at5: percent(retrieval.self.hit_at_5),
        questions: retrieval.self.questions,
        tables5: percent(retrieval.tables.hit_at_5),
        tables: retrieval.tables.tables,
      },
    ),
  );
}

function stepItem(step: StepView, live: LiveState): HTMLElement {
  const progress = step.step_status === 'running' ? progressOf(step, live) : undefined;
  const duration = step.started_at && step.completed_at ? new Date(step.completed_at).getTime() - new Date(step.started_at).getTime() : null;
  return h(
    'li',
    { class: `timeline-step step-${step.step_status}`, 'data-step': step.step_name },
    h(
      'div',
      { class: 'step-head' },
      h('h2', { class: 'step-title' }, stepTitle(step.step_name), ' ', h('code', { class: 'muted small' }, step.step_name)),
      badge(step.step_status),
    ),
    h(
      'p',
      { class: 'muted small' },
      step.started_at ? t('started {{time}}', { time: formatTime(step.started_at) }) : t('not started'),
      step.completed_at ? ` · ${t('finished {{time}}', { time: formatTime(step.completed_at) })} · ${formatDuration(duration)}` : '',
    ),
    progress
      ? h(
          'div',
          { class: 'progress-row' },
          h('progress', { max: Math.max(progress.total, 1), value: progress.done, 'aria-label': t('{{step}} progress', { step: step.step_name }) }),
          h('span', { class: 'small' }, progressText(progress)),
        )
      : null,
    step.error_message ? h('p', { class: 'error-text' }, step.error_message) : null,
    counterList(step),
    step.step_name === 'training_load' ? retrievalLine(step) : null,
  );
}

export function renderOverview(panel: HTMLElement, task: TaskView, live: LiveState): void {
  const backup = task.last_backup as {
    performed?: boolean;
    status?: string;
    reason?: string;
    error?: string | null;
    backup_directory?: string | null;
    moved_count?: number;
    failed_count?: number;
  } | null;
  const backupText = (): string => {
    if (!backup) return '';
    if (backup.performed) {
      return t('{{directory}}: {{moved}} file(s) moved, {{failed}} failed', {
        directory: String(backup.backup_directory),
        moved: backup.moved_count ?? 0,
        failed: backup.failed_count ?? 0,
      });
    }
    if (backup.status === 'disabled') return t('Turned off for that run: {{reason}}.', { reason: backup.reason ?? t('backup disabled') });
    if (backup.status === 'failed') return t('The backup failed: {{error}}.', { error: backup.error ?? t('see the log') });
    return t('No backup was needed (nothing earlier to move).');
  };
  const summary = (task.result?.summary ?? null) as Record<string, unknown> | null;
  replace(
    panel,
    task.error_message ? h('div', { class: 'state error', role: 'alert' }, h('p', {}, task.error_message)) : null,
    h(
      'ol',
      { class: 'timeline', 'aria-label': t('Steps') },
      task.steps.map((s) => stepItem(s, live)),
    ),
    live.logTail.length
      ? h('div', { class: 'card' }, h('h2', {}, t('Live log')), h('pre', { class: 'log-tail', 'aria-live': 'polite' }, live.logTail.join('\n')))
      : null,
    summary
      ? h(
          'div',
          { class: 'card' },
          h('h2', {}, t('Last result')),
          h(
            'dl',
            { class: 'counters' },
            Object.entries(summary).map(([k, v]) => [
              h('dt', {}, counterLabel(k)),
              h(
                'dd',
                {},
                // Read as people read them: a rate as a percentage, nothing as a dash.
                v === null || v === undefined
                  ? '—'
                  : k === 'validation_rate' && typeof v === 'number'
                    ? `${(v * 100).toFixed(1)}%`
                    : typeof v === 'object'
                      ? JSON.stringify(v)
                      : String(v),
              ),
            ]),
          ),
        )
      : null,
    backup ? h('div', { class: 'card' }, h('h2', {}, t('Last backup')), h('p', { class: 'last-backup' }, backupText())) : null,
  );
}
