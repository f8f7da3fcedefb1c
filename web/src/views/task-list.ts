/** The task list: status filter, paging, each task's status and step progress. */
import { api, STEP_NAMES, TASKS, type TaskListItem } from '../api.js';
import { badge, empty, formatTime, h, loading, replace } from '../dom.js';

const PAGE_SIZE = 20;
const STATUSES = ['pending', 'in_progress', 'partial_completed', 'completed', 'failed'];

const STEP_LABELS: Record<string, string> = {
  ddl_generation: 'DDL',
  qa_generation: 'Q&A',
  sql_validation: 'SQL',
  training_load: 'Load',
};

function stepPills(task: TaskListItem): HTMLElement {
  const statuses = task.step_statuses ?? {};
  const done = STEP_NAMES.filter((s) => statuses[s] === 'completed').length;
  return h(
    'span',
    { class: 'step-pills', 'aria-label': `${done} of ${STEP_NAMES.length} steps completed` },
    STEP_NAMES.map((s) => h('span', { class: `pill pill-${statuses[s] ?? 'pending'}`, title: `${s}: ${statuses[s] ?? 'pending'}` }, STEP_LABELS[s] ?? s)),
  );
}

export async function renderTaskList(root: HTMLElement, query: URLSearchParams, signal: AbortSignal): Promise<void> {
  const status = STATUSES.includes(query.get('status') ?? '') ? (query.get('status') as string) : '';
  const page = Math.max(1, Number(query.get('page')) || 1);
  const go = (next: { status?: string; page?: number }) => {
    const params = new URLSearchParams();
    const s = next.status ?? status;
    if (s) params.set('status', s);
    const p = next.page ?? page;
    if (p > 1) params.set('page', String(p));
    location.hash = `#/tasks${params.size ? `?${params}` : ''}`;
  };

  const filter = h(
    'select',
    { id: 'status-filter', onchange: (e: Event) => go({ status: (e.target as HTMLSelectElement).value, page: 1 }) },
    h('option', { value: '' }, 'All statuses'),
    STATUSES.map((s) => h('option', { value: s, selected: s === status }, s.replace(/_/g, ' '))),
  );
  const body = h('section', { 'aria-live': 'polite' }, loading('Loading tasks…'));
  replace(
    root,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Tasks'),
      h(
        'div',
        { class: 'toolbar' },
        h('label', { for: 'status-filter', class: 'inline-label' }, 'Status'),
        filter,
        h('button', { type: 'button', class: 'button', onclick: () => void renderTaskList(root, query, signal) }, 'Refresh'),
        h('a', { class: 'button primary', href: '#/new' }, 'New task'),
      ),
    ),
    body,
  );

  const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String((page - 1) * PAGE_SIZE) });
  if (status) params.set('status', status);
  const data = await api<{ tasks: TaskListItem[]; total: number }>('GET', `${TASKS}?${params}`, undefined, signal);
  if (data.tasks.length === 0) {
    replace(
      body,
      status || page > 1
        ? empty('No task matches this filter.', h('button', { type: 'button', class: 'button', onclick: () => go({ status: '', page: 1 }) }, 'Show all tasks'))
        : empty('No tasks yet. A task documents a database and turns it into training data.', h('a', { class: 'button primary', href: '#/new' }, 'Create the first task')),
    );
    return;
  }
  const pages = Math.max(1, Math.ceil(data.total / PAGE_SIZE));
  const first = (page - 1) * PAGE_SIZE + 1;
  replace(
    body,
    h(
      'table',
      { class: 'grid task-table' },
      h('caption', { class: 'visually-hidden' }, 'Tasks, newest first'),
      h('thead', {}, h('tr', {}, ['Task', 'Status', 'Steps', 'Database', 'Created'].map((c) => h('th', { scope: 'col' }, c)))),
      h(
        'tbody',
        {},
        data.tasks.map((task) =>
          h(
            'tr',
            {},
            h('td', { 'data-label': 'Task' }, h('a', { href: `#/tasks/${encodeURIComponent(task.task_id)}` }, task.task_name || task.task_id), h('div', { class: 'muted small' }, task.task_id)),
            h('td', { 'data-label': 'Status' }, badge(task.status)),
            h('td', { 'data-label': 'Steps' }, stepPills(task)),
            h('td', { 'data-label': 'Database' }, task.db_name ?? '—'),
            h('td', { 'data-label': 'Created' }, formatTime(task.created_at)),
          ),
        ),
      ),
    ),
    h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages' },
      h('button', { type: 'button', class: 'button', disabled: page <= 1, onclick: () => go({ page: page - 1 }) }, '← Previous'),
      h('span', {}, `${first}–${first + data.tasks.length - 1} of ${data.total}`),
      h('button', { type: 'button', class: 'button', disabled: page >= pages, onclick: () => go({ page: page + 1 }) }, 'Next →'),
    ),
  );
}
