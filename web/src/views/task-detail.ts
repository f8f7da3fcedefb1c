/**
 * One task: its header and actions (run complete, run one step, cancel), and tabs for the step
 * timeline (live over SSE), logs, files, question/SQL pairs and backups.
 */
import { BACKUP_PREFIX } from '../../../src/backup/backup-names.js';
import { STEP_CATALOG } from '../../../src/workflow/steps/catalog.js';
import { EXECUTION_OPTION_NAMES, RUN_OPTIONS } from '../../../src/workflow/run-options.js';
import { api, taskPath, type TaskView } from '../api.js';
import { confirmAction, toast } from '../dialog.js';
import { badge, formatDuration, formatTime, h, replace } from '../dom.js';
import { followTaskEvents, type TaskEvent } from '../events.js';
import { errorPanel } from '../ui.js';
import { renderBackups } from './detail/backups.js';
import { renderDriftPanel } from './detail/drift.js';
import { renderFiles } from './detail/files.js';
import { renderLogs } from './detail/logs.js';
import { renderOverview, type LiveState } from './detail/overview.js';
import { renderPairs } from './detail/pairs.js';
import { renderRuns } from './detail/runs.js';
import { renderTables } from './detail/tables.js';

export const TABS = ['overview', 'runs', 'logs', 'files', 'tables', 'pairs', 'backups'] as const;
export type Tab = (typeof TABS)[number];

const TAB_LABELS: Record<Tab, string> = { overview: 'Steps', runs: 'Runs', logs: 'Logs', files: 'Files', tables: 'Tables', pairs: 'Pairs', backups: 'Backups' };

/** A completed run that left tables, themes or pairs out says so, naming them. */
function warningBanner(task: TaskView): HTMLElement | null {
  const warnings = task.outcome === 'completed_with_warnings' ? task.result?.warnings : null;
  if (!warnings) return null;
  const items: (string | HTMLElement)[] = [];
  for (const t of warnings.tables_failed) items.push(`Table ${t.table} was not documented: ${t.reason}`);
  for (const t of warnings.themes_failed) items.push(`Theme "${t.theme}" produced no pairs: ${t.reason}`);
  if (warnings.pairs_invalid) {
    items.push(`${warnings.pairs_invalid} pair(s) kept invalid SQL after repair${warnings.validation_report ? ` (see ${warnings.validation_report})` : ''}`);
  }
  return h(
    'div',
    { class: 'warning-banner', role: 'status' },
    h('strong', {}, 'Completed with warnings'),
    h(
      'ul',
      {},
      items.map((item) => h('li', {}, item)),
    ),
  );
}

export async function renderTaskDetail(root: HTMLElement, taskId: string, tab: Tab, signal: AbortSignal): Promise<void> {
  let task = await api<TaskView>('GET', taskPath(taskId), undefined, signal);
  const live: LiveState = { progress: {}, logTail: [] };
  const head = h('div', { class: 'page-head' });
  const driftPanel = h('section', { class: 'drift-panel', 'aria-live': 'polite' });
  const actions = h('div', { class: 'toolbar' });
  const panel = h('section', { id: 'tab-panel', role: 'tabpanel', tabindex: '0', 'aria-labelledby': `tab-${tab}` });
  let streaming: AbortController | undefined;

  const refresh = async () => {
    const wasActive = Boolean(task.active_run);
    task = await api<TaskView>('GET', taskPath(taskId), undefined, signal);
    renderHead();
    // A run just ended: what it reused, and whether the database still differs from its files.
    if (wasActive && !task.active_run) void renderDriftPanel(driftPanel, task, signal, () => void runComplete());
    if (tab === 'overview') renderOverview(panel, task, live);
  };

  const follow = (runId: string) => {
    streaming?.abort();
    streaming = new AbortController();
    const stop = streaming;
    signal.addEventListener('abort', () => stop.abort(), { once: true });
    let pending: ReturnType<typeof setTimeout> | undefined;
    const refreshSoon = () => {
      clearTimeout(pending);
      pending = setTimeout(() => void refresh().catch(() => undefined), 150);
    };
    void followTaskEvents(
      taskId,
      runId,
      (event: TaskEvent) => {
        if (event.type === 'progress') {
          const step = String(event.data.step ?? '');
          live.progress[step] = { done: Number(event.data.done ?? 0), total: Number(event.data.total ?? 0), unit: String(event.data.unit ?? '') };
          if (tab === 'overview') renderOverview(panel, task, live);
        } else if (event.type === 'log') {
          live.logTail.push(`${String(event.data.level ?? '')} ${String(event.data.message ?? '')}`);
          live.logTail.splice(0, Math.max(0, live.logTail.length - 8));
          if (tab === 'overview') renderOverview(panel, task, live);
        } else {
          refreshSoon();
        }
        if (event.type === 'run_finished' || event.type === 'end') {
          live.progress = {};
          refreshSoon();
        }
      },
      stop.signal,
    ).finally(() => {
      stop.abort();
      refreshSoon();
    });
  };

  const execute = async (body: Record<string, unknown>, label: string) => {
    try {
      const data = await api<{ run_id: string; backup?: { performed: boolean; backup_directory: string | null; moved_count: number } }>(
        'POST',
        `${taskPath(taskId)}/execute`,
        body,
        signal,
      );
      const backup = data.backup?.performed ? ` — earlier files moved to ${data.backup.backup_directory} (${data.backup.moved_count})` : '';
      toast(`${label} started${backup}`);
      live.logTail = [];
      live.progress = {};
      follow(data.run_id);
      await refresh();
    } catch (error) {
      toast(error instanceof Error ? error.message : String(error), 'error');
      replace(
        panel,
        errorPanel(error, () => void showTab(tab)),
      );
    }
  };

  const stepSelect = h(
    'select',
    { id: 'step-select', 'aria-label': 'Step to run' },
    STEP_CATALOG.map((s) => h('option', { value: s.name }, `${s.labels.en} (${s.name})`)),
  );
  // Options of the next execute (the task's own options were set at creation).
  const runOptions = [
    { name: 'backup_existing_files', label: 'Back up earlier files first (complete runs)', checked: true },
    // The execution options, from the options schema the API and the CLI use too.
    ...EXECUTION_OPTION_NAMES.map((name) => ({ name, label: RUN_OPTIONS[name].label, checked: RUN_OPTIONS[name].default })),
  ].map((o) => ({ ...o, input: h('input', { type: 'checkbox', id: `run-${o.name}`, checked: o.checked }) }));
  const optionsPanel = h(
    'details',
    { class: 'run-options' },
    h('summary', {}, 'Run options'),
    runOptions.map((o) => h('div', { class: 'check' }, o.input, h('label', { for: o.input.id }, o.label))),
  );
  const optionValues = () => Object.fromEntries(runOptions.map((o) => [o.name, o.input.checked]));

  /** The complete workflow, asked first when there are earlier files (the header's action and drift's Refresh). */
  async function runComplete(): Promise<void> {
    const hasOutput = task.steps.some((s) => s.step_status !== 'pending');
    const options = optionValues();
    const warning = options.backup_existing_files
      ? `The files of the earlier run are moved into a ${BACKUP_PREFIX} backup folder first; nothing is overwritten.`
      : 'Backing up earlier files is turned off in the run options: files of the same name are overwritten.';
    if (hasOutput && !(await confirmAction('Run the complete workflow again?', warning, 'Run again'))) return;
    await execute({ execution_mode: 'complete', ...options }, 'Complete workflow');
  }

  /** While a run goes: which step of how many, and the time since it started (ticking). */
  let ticker: ReturnType<typeof setInterval> | undefined;
  signal.addEventListener('abort', () => clearInterval(ticker), { once: true });
  function runProgress(): HTMLElement | null {
    clearInterval(ticker);
    const active = task.active_run;
    if (!active) return null;
    const line = h('p', { class: 'run-progress', role: 'status' });
    const planned = active.step_name ? [active.step_name] : task.steps.map((s) => s.step_name);
    const update = () => {
      const running = task.steps.find((s) => s.step_status === 'running')?.step_name ?? null;
      const position = running ? planned.indexOf(running) + 1 : 0;
      const since = active.started_at ?? active.created_at;
      const elapsed = formatDuration(Date.now() - Date.parse(since));
      line.textContent =
        active.status === 'queued' ? `Queued for ${elapsed}` : `Running for ${elapsed}${running ? ` · step ${position} of ${planned.length}: ${running}` : ''}`;
    };
    update();
    ticker = setInterval(update, 1000);
    return line;
  }

  function renderHead(): void {
    const active = task.active_run;
    replace(
      head,
      h(
        'div',
        {},
        h('h1', {}, task.task_name || task.task_id, ' ', badge(task.outcome)),
        h('p', { class: 'muted' }, `${task.task_id} · ${task.db_name ?? ''} · created ${formatTime(task.created_at)}`),
        runProgress(),
        warningBanner(task),
      ),
      actions,
    );
    replace(
      actions,
      h(
        'button',
        {
          type: 'button',
          class: 'button primary',
          disabled: Boolean(active),
          onclick: () => void runComplete(),
        },
        active ? 'Running…' : 'Run complete workflow',
      ),
      stepSelect,
      h(
        'button',
        {
          type: 'button',
          class: 'button',
          disabled: Boolean(active),
          onclick: () => {
            // A step never backs up files; the vector options matter to training_load only.
            const { backup_existing_files: _files, ...options } = optionValues();
            void execute({ execution_mode: 'step', step_name: stepSelect.value, ...options }, `Step ${stepSelect.value}`);
          },
        },
        'Run step',
      ),
      active
        ? h(
            'button',
            {
              type: 'button',
              class: 'button danger',
              disabled: active.cancel_requested,
              onclick: async () => {
                if (!(await confirmAction('Cancel the run?', 'The run stops at its next safe point; finished files stay.', 'Cancel run', true))) return;
                try {
                  await api('POST', `${taskPath(taskId)}/cancel`, {}, signal);
                  toast('Cancellation requested');
                  await refresh();
                } catch (error) {
                  toast(error instanceof Error ? error.message : String(error), 'error');
                }
              },
            },
            active.cancel_requested ? 'Cancelling…' : 'Cancel run',
          )
        : null,
      optionsPanel,
    );
  }

  const tabButtons = TABS.map((t) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `tab-${t}`,
        'aria-selected': String(t === tab),
        'aria-controls': 'tab-panel',
        tabindex: t === tab ? '0' : '-1',
        onclick: () => {
          history.replaceState(null, '', `#/tasks/${encodeURIComponent(taskId)}/${t}`);
          void showTab(t);
        },
      },
      TAB_LABELS[t],
    ),
  );
  const tabList = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Task views' }, tabButtons);
  // Arrow keys move between tabs, as in every tab widget.
  tabList.addEventListener('keydown', (event: KeyboardEvent) => {
    const index = TABS.indexOf(tab);
    const next = event.key === 'ArrowRight' ? (index + 1) % TABS.length : event.key === 'ArrowLeft' ? (index + TABS.length - 1) % TABS.length : -1;
    if (next < 0) return;
    event.preventDefault();
    tabButtons[next]?.focus();
    tabButtons[next]?.click();
  });

  let tabController: AbortController | undefined;

  async function showTab(next: Tab): Promise<void> {
    tab = next;
    // A tab's requests end when another tab is chosen: a late answer never fills the wrong panel.
    tabController?.abort();
    const controller = new AbortController();
    tabController = controller;
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    const tabSignal = controller.signal;
    tabButtons.forEach((button, i) => {
      const selected = TABS[i] === next;
      button.setAttribute('aria-selected', String(selected));
      button.tabIndex = selected ? 0 : -1;
    });
    panel.setAttribute('aria-labelledby', `tab-${next}`);
    try {
      if (next === 'overview') renderOverview(panel, task, live);
      else if (next === 'runs') await renderRuns(panel, taskId, tabSignal);
      else if (next === 'logs') await renderLogs(panel, taskId, tabSignal);
      else if (next === 'files') await renderFiles(panel, taskId, tabSignal);
      else if (next === 'tables') await renderTables(panel, taskId, tabSignal);
      else if (next === 'pairs') await renderPairs(panel, taskId, tabSignal);
      else
        await renderBackups(panel, taskId, tabSignal, async () => {
          // After a restore the files are the backup's: the header, and the drift of those files, follow.
          await refresh();
          void renderDriftPanel(driftPanel, task, signal, () => void runComplete());
        });
    } catch (error) {
      if (!tabSignal.aborted)
        replace(
          panel,
          errorPanel(error, () => void showTab(next)),
        );
    }
  }

  renderHead();
  replace(root, head, driftPanel, tabList, panel);
  // Checked once per visit (not on every refresh during a run): a catalog read of the task's tables.
  void renderDriftPanel(driftPanel, task, signal, () => void runComplete());
  await showTab(tab);
  if (task.active_run) follow(task.active_run.run_id);
}
