/** The step timeline: each step's status, times, progress (live from SSE) and counters. */
import { STEP_CATALOG } from '../../../../src/workflow/steps/catalog.js';
import type { StepView, TaskView } from '../../api.js';
import { badge, formatDuration, formatTime, h, replace } from '../../dom.js';

export interface LiveState {
  /** Progress of the running step(s) from `progress` events. */
  progress: Record<string, { done: number; total: number; unit: string }>;
  /** The last log lines of the run in progress. */
  logTail: string[];
}

/** The steps' titles, from the step catalog. */
const STEP_TITLES: Record<string, string> = Object.fromEntries(STEP_CATALOG.map((s) => [s.name, s.labels.en]));

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
    entries.map(([key, value]) => [h('dt', {}, key.replace(/_/g, ' ')), h('dd', {}, String(value))]),
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
      h('h2', { class: 'step-title' }, STEP_TITLES[step.step_name] ?? step.step_name, ' ', h('code', { class: 'muted small' }, step.step_name)),
      badge(step.step_status),
    ),
    h(
      'p',
      { class: 'muted small' },
      step.started_at ? `started ${formatTime(step.started_at)}` : 'not started',
      step.completed_at ? ` · finished ${formatTime(step.completed_at)} · ${formatDuration(duration)}` : '',
    ),
    progress
      ? h(
          'div',
          { class: 'progress-row' },
          h('progress', { max: Math.max(progress.total, 1), value: progress.done, 'aria-label': `${step.step_name} progress` }),
          h('span', { class: 'small' }, `${progress.done} / ${progress.total} ${progress.unit}`),
        )
      : null,
    step.error_message ? h('p', { class: 'error-text' }, step.error_message) : null,
    counterList(step),
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
    if (backup.performed) return `${backup.backup_directory}: ${backup.moved_count ?? 0} file(s) moved, ${backup.failed_count ?? 0} failed`;
    if (backup.status === 'disabled') return `Turned off for that run: ${backup.reason ?? 'backup disabled'}.`;
    if (backup.status === 'failed') return `The backup failed: ${backup.error ?? 'see the log'}.`;
    return 'No backup was needed (nothing earlier to move).';
  };
  const summary = (task.result?.summary ?? null) as Record<string, unknown> | null;
  replace(
    panel,
    task.error_message ? h('div', { class: 'state error', role: 'alert' }, h('p', {}, task.error_message)) : null,
    h(
      'ol',
      { class: 'timeline', 'aria-label': 'Steps' },
      task.steps.map((s) => stepItem(s, live)),
    ),
    live.logTail.length
      ? h('div', { class: 'card' }, h('h2', {}, 'Live log'), h('pre', { class: 'log-tail', 'aria-live': 'polite' }, live.logTail.join('\n')))
      : null,
    summary
      ? h(
          'div',
          { class: 'card' },
          h('h2', {}, 'Last result'),
          h(
            'dl',
            { class: 'counters' },
            Object.entries(summary).map(([k, v]) => [
              h('dt', {}, k.replace(/_/g, ' ')),
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
    backup ? h('div', { class: 'card' }, h('h2', {}, 'Last backup'), h('p', { class: 'last-backup' }, backupText())) : null,
  );
}
