/** The task list: filters (status, name, database), sorting, paging, each task's status and step progress. */
import { api, STEP_NAMES, TASKS, type TaskListItem } from '../api.js';
import { badge, empty, formatDuration, formatTime, h, loading, replace, statusLabel, stepShortLabel } from '../dom.js';
import { t } from '../i18n/index.js';

const PAGE_SIZE = 20;
const STATUSES = ['pending', 'in_progress', 'partial_completed', 'completed', 'failed'];

function stepPills(task: TaskListItem): HTMLElement {
  const statuses = task.step_statuses ?? {};
  const done = STEP_NAMES.filter((s) => statuses[s] === 'completed').length;
  return h(
    'span',
    { class: 'step-pills', 'aria-label': t('{{done}} of {{total}} steps completed', { done, total: STEP_NAMES.length }) },
    STEP_NAMES.map((s) =>
      h(
        'span',
        { class: `pill pill-${statuses[s] ?? 'pending'}`, title: t('{{step}}: {{status}}', { step: s, status: statusLabel(statuses[s] ?? 'pending') }) },
        stepShortLabel(s),
      ),
    ),
  );
}

// Labels are functions: the language can change without a reload.
const SORTS: Record<string, { sort_by: string; sort_order: 'asc' | 'desc'; label: () => string }> = {
  newest: { sort_by: 'created_at', sort_order: 'desc', label: () => t('Newest first') },
  oldest: { sort_by: 'created_at', sort_order: 'asc', label: () => t('Oldest first') },
  name: { sort_by: 'task_name', sort_order: 'asc', label: () => t('Name') },
  status: { sort_by: 'status', sort_order: 'asc', label: () => t('Status') },
};

export async function renderTaskList(root: HTMLElement, query: URLSearchParams, signal: AbortSignal): Promise<void> {
  const status = STATUSES.includes(query.get('status') ?? '') ? (query.get('status') as string) : '';
  const name = (query.get('q') ?? '').slice(0, 200);
  const db = (query.get('db') ?? '').slice(0, 128);
  const sort = SORTS[query.get('sort') ?? ''] ? (query.get('sort') as string) : 'newest';
  const page = Math.max(1, Number(query.get('page')) || 1);
  const go = (next: { status?: string; q?: string; db?: string; sort?: string; page?: number }) => {
    const params = new URLSearchParams();
    const values = { status: next.status ?? status, q: next.q ?? name, db: next.db ?? db, sort: next.sort ?? sort };
    for (const [key, value] of Object.entries(values)) if (value && !(key === 'sort' && value === 'newest')) params.set(key, value);
    const p = next.page ?? page;
    if (p > 1) params.set('page', String(p));
    location.hash = `#/tasks${params.size ? `?${params}` : ''}`;
  };

  const statusFilter = h(
    'select',
    { id: 'status-filter', onchange: (e: Event) => go({ status: (e.target as HTMLSelectElement).value, page: 1 }) },
    h('option', { value: '' }, t('All statuses')),
    STATUSES.map((s) => h('option', { value: s, selected: s === status }, statusLabel(s))),
  );
  const nameFilter = h('input', { id: 'name-filter', type: 'search', value: name, placeholder: t('Task name contains'), maxlength: 200 });
  const dbFilter = h('input', { id: 'db-filter', type: 'search', value: db, placeholder: t('Database name contains'), maxlength: 128 });
  const sortSelect = h(
    'select',
    { id: 'sort', onchange: (e: Event) => go({ sort: (e.target as HTMLSelectElement).value, page: 1 }) },
    Object.entries(SORTS).map(([key, s]) => h('option', { value: key, selected: key === sort }, s.label())),
  );
  const body = h('section', { 'aria-live': 'polite' }, loading(t('Loading tasks…')));
  replace(
    root,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, t('Tasks')),
      h(
        'div',
        { class: 'toolbar' },
        h('button', { type: 'button', class: 'button', onclick: () => void renderTaskList(root, query, signal) }, t('Refresh')),
        h('a', { class: 'button primary', href: '#/new' }, t('New task')),
      ),
    ),
    h(
      'form',
      {
        class: 'toolbar',
        role: 'search',
        onsubmit: (event: Event) => {
          event.preventDefault();
          go({ q: nameFilter.value.trim(), db: dbFilter.value.trim(), page: 1 });
        },
      },
      h('label', { for: 'status-filter', class: 'inline-label' }, t('Status')),
      statusFilter,
      h('label', { for: 'name-filter', class: 'visually-hidden' }, t('Task name contains')),
      nameFilter,
      h('label', { for: 'db-filter', class: 'visually-hidden' }, t('Database name contains')),
      dbFilter,
      h('button', { type: 'submit', class: 'button' }, t('Filter')),
      h('label', { for: 'sort', class: 'inline-label' }, t('Sort')),
      sortSelect,
    ),
    body,
  );

  const request: Record<string, unknown> = { page, page_size: PAGE_SIZE, sort_by: SORTS[sort]?.sort_by, sort_order: SORTS[sort]?.sort_order };
  if (status) request.status = status;
  if (name) request.task_name = name;
  if (db) request.db_name_contains = db;
  const data = await api<{ tasks: TaskListItem[]; pagination: { total: number } }>('POST', `${TASKS}/query`, request, signal);
  const total = data.pagination.total;
  const filtered = Boolean(status || name || db);
  if (data.tasks.length === 0) {
    replace(
      body,
      filtered || page > 1
        ? empty(
            t('No task matches these filters.'),
            h('button', { type: 'button', class: 'button', onclick: () => go({ status: '', q: '', db: '', page: 1 }) }, t('Show all tasks')),
          )
        : empty(
            t('No tasks yet. A task documents a database and turns it into training data.'),
            h('a', { class: 'button primary', href: '#/new' }, t('Create the first task')),
          ),
    );
    return;
  }
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const first = (page - 1) * PAGE_SIZE + 1;
  replace(
    body,
    h(
      'table',
      { class: 'grid task-table' },
      h('caption', { class: 'visually-hidden' }, t('Tasks, newest first')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [t('Task'), t('Status'), t('Steps'), t('Database'), t('Pairs'), t('Valid'), t('Duration'), t('Created')].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        data.tasks.map((task) =>
          h(
            'tr',
            {},
            h(
              'td',
              { 'data-label': t('Task') },
              h('a', { href: `#/tasks/${encodeURIComponent(task.task_id)}` }, task.task_name || task.task_id),
              h(
                'div',
                { class: 'muted small' },
                // A task found as a folder (the existing service's, or a script run's) or imported says so.
                task.origin === 'api' ? task.task_id : `${task.task_id} · ${task.origin === 'folder' ? t('adopted folder') : t('imported')}`,
              ),
            ),
            h('td', { 'data-label': t('Status') }, badge(task.outcome)),
            h('td', { 'data-label': t('Steps') }, stepPills(task)),
            h('td', { 'data-label': t('Database') }, task.db_name ?? '—'),
            h('td', { 'data-label': t('Pairs'), class: 'num' }, task.pairs === null ? '—' : String(task.pairs)),
            h('td', { 'data-label': t('Valid'), class: 'num' }, task.validation_rate === null ? '—' : `${(task.validation_rate * 100).toFixed(0)}%`),
            h('td', { 'data-label': t('Duration'), class: 'num' }, formatDuration(task.duration_ms)),
            h('td', { 'data-label': t('Created') }, formatTime(task.created_at)),
          ),
        ),
      ),
    ),
    h(
      'nav',
      { class: 'pager', 'aria-label': t('Pages') },
      h('button', { type: 'button', class: 'button', disabled: page <= 1, onclick: () => go({ page: page - 1 }) }, t('← Previous')),
      h('span', {}, t('{{first}}–{{last}} of {{total}}', { first, last: first + data.tasks.length - 1, total })),
      h('button', { type: 'button', class: 'button', disabled: page >= pages, onclick: () => go({ page: page + 1 }) }, t('Next →')),
    ),
  );
}
