/**
 * One task: its header and actions (run complete, run one step, cancel), and tabs for the step
 * timeline (live over SSE), logs, files, question/SQL pairs and backups.
 */
import { BACKUP_PREFIX } from '../../../src/backup/backup-names.js';
import { STEP_CATALOG } from '../../../src/workflow/steps/catalog.js';
import { EXECUTION_OPTION_NAMES, RUN_OPTIONS } from '../../../src/workflow/run-options.js';
import { api, taskPath, type TaskView } from '../api.js';
import { confirmAction, toast } from '../dialog.js';
import { badge, formatDuration, formatTime, h, replace, stepTitle } from '../dom.js';
import { followTaskEvents, type TaskEvent } from '../events.js';
import { t } from '../i18n/index.js';
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

function tabLabel(tab: Tab): string {
  switch (tab) {
    case 'overview':
      return t('Steps');
    case 'runs':
      return t('Runs');
    case 'logs':
      return t('Logs');
    case 'files':
      return t('Files');
    case 'tables':
      return t('Tables');
    case 'pairs':
      return t('Pairs');
    case 'backups':
      return t('Backups');
  }
}

/** An execution option's label in the current language; the schema's English label for an option not listed here. */
function optionLabel(name: string, english: string): string {
  switch (name) {
    case 'backup_vector_tables':
      return t('Back up the vector tables before loading');
    case 'truncate_vector_tables':
      return t('Empty the embeddings before loading (backs up first)');
    case 'reembed':
      return t('Re-embed the stored rows with this embedder');
    case 'use_cache':
      return t('Reuse cached LLM answers and embeddings');
    case 'skip_training':
      return t('Only the vector table operations, no loading');
    default:
      return english;
  }
}

/** A completed run that left tables, themes or pairs out says so, naming them. */
function warningBanner(task: TaskView): HTMLElement | null {
  const warnings = task.outcome === 'completed_with_warnings' ? task.result?.warnings : null;
  if (!warnings) return null;
  const items: (string | HTMLElement)[] = [];
  for (const f of warnings.tables_failed) items.push(t('Table {{table}} was not documented: {{reason}}', { table: f.table, reason: f.reason }));
  for (const f of warnings.themes_failed) items.push(t('Theme "{{theme}}" produced no pairs: {{reason}}', { theme: f.theme, reason: f.reason }));
  if (warnings.pairs_invalid) {
    items.push(
      warnings.validation_report
        ? t('{{pairs}} pair(s) still had invalid SQL after repair and are not loaded (see {{report}})', {
            pairs: warnings.pairs_invalid,
            report: warnings.validation_report,
          })
        : t('{{pairs}} pair(s) still had invalid SQL after repair and are not loaded', { pairs: warnings.pairs_invalid }),
    );
  }
  // Chinese questions that kept English names: the server's sentence, naming them and why.
  for (const warning of warnings.language_warnings ?? []) items.push(warning);
  return h(
    'div',
    { class: 'warning-banner', role: 'status' },
    h('strong', {}, t('Completed with warnings')),
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

  /** `started`: what the toast says, e.g. "Complete workflow started". */
  const execute = async (body: Record<string, unknown>, started: string) => {
    try {
      const data = await api<{ run_id: string; backup?: { performed: boolean; backup_directory: string | null; moved_count: number } }>(
        'POST',
        `${taskPath(taskId)}/execute`,
        body,
        signal,
      );
      toast(
        data.backup?.performed
          ? t('{{started}} — earlier files moved to {{directory}} ({{moved}})', {
              started,
              directory: String(data.backup.backup_directory),
              moved: data.backup.moved_count,
            })
          : started,
      );
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
    { id: 'step-select', 'aria-label': t('Step to run') },
    STEP_CATALOG.map((s) => h('option', { value: s.name }, t('{{title}} ({{step}})', { title: stepTitle(s.name), step: s.name }))),
  );
  // Options of the next execute (the task's own options were set at creation).
  const runOptions = [
    { name: 'backup_existing_files', label: t('Back up earlier files first (complete runs)'), checked: true },
    // The execution options, from the options schema the API and the CLI use too.
    ...EXECUTION_OPTION_NAMES.map((name) => ({ name, label: optionLabel(name, RUN_OPTIONS[name].label), checked: RUN_OPTIONS[name].default })),
  ].map((o) => ({ ...o, input: h('input', { type: 'checkbox', id: `run-${o.name}`, checked: o.checked }) }));
  const optionsPanel = h(
    'details',
    { class: 'run-options' },
    h('summary', {}, t('Run options')),
    runOptions.map((o) => h('div', { class: 'check' }, o.input, h('label', { for: o.input.id }, o.label))),
  );
  const optionValues = () => Object.fromEntries(runOptions.map((o) => [o.name, o.input.checked]));

  /** The complete workflow, asked first when there are earlier files (the header's action and drift's Refresh). */
  async function runComplete(): Promise<void> {
    const hasOutput = task.steps.some((s) => s.step_status !== 'pending');
    const options = optionValues();
    const warning = options.backup_existing_files
      ? t('The files of the earlier run are moved into a {{prefix}} backup folder first; nothing is overwritten.', { prefix: BACKUP_PREFIX })
      : t('Backing up earlier files is turned off in the run options: files of the same name are overwritten.');
    if (hasOutput && !(await confirmAction(t('Run the complete workflow again?'), warning, t('Run again')))) return;
    await execute({ execution_mode: 'complete', ...options }, t('Complete workflow started'));
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
        active.status === 'queued'
          ? t('Queued for {{elapsed}}', { elapsed })
          : running
            ? t('Running for {{elapsed}} · step {{position}} of {{total}}: {{step}}', { elapsed, position, total: planned.length, step: running })
            : t('Running for {{elapsed}}', { elapsed });
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
        h(
          'p',
          { class: 'muted' },
          t('{{id}} · {{database}} · created {{time}}', { id: task.task_id, database: task.db_name ?? '', time: formatTime(task.created_at) }),
        ),
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
        active ? t('Running…') : t('Run complete workflow'),
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
            void execute({ execution_mode: 'step', step_name: stepSelect.value, ...options }, t('Step {{step}} started', { step: stepSelect.value }));
          },
        },
        t('Run step'),
      ),
      active
        ? h(
            'button',
            {
              type: 'button',
              class: 'button danger',
              disabled: active.cancel_requested,
              onclick: async () => {
                if (!(await confirmAction(t('Cancel the run?'), t('The run stops at its next safe point; finished files stay.'), t('Cancel run'), true)))
                  return;
                try {
                  await api('POST', `${taskPath(taskId)}/cancel`, {}, signal);
                  toast(t('Cancellation requested'));
                  await refresh();
                } catch (error) {
                  toast(error instanceof Error ? error.message : String(error), 'error');
                }
              },
            },
            active.cancel_requested ? t('Cancelling…') : t('Cancel run'),
          )
        : null,
      optionsPanel,
    );
  }

  const tabButtons = TABS.map((name) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `tab-${name}`,
        'aria-selected': String(name === tab),
        'aria-controls': 'tab-panel',
        tabindex: name === tab ? '0' : '-1',
        onclick: () => {
          history.replaceState(null, '', `#/tasks/${encodeURIComponent(taskId)}/${name}`);
          void showTab(name);
        },
      },
      tabLabel(name),
    ),
  );
  const tabList = h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('Task views') }, tabButtons);
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
