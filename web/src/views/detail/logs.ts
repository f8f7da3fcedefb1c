/** The task log: level filter, keyword search, paging (POST …/logs/query). */
import { api, taskPath, type TaskLogPage as LogPage } from '../../api.js';
import { empty, h, loading, replace } from '../../dom.js';
import { t } from '../../i18n/index.js';
import { errorPanel } from '../../ui.js';

export async function renderLogs(panel: HTMLElement, taskId: string, signal: AbortSignal): Promise<void> {
  const level = h(
    'select',
    { id: 'log-level' },
    ['', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'].map((l) => h('option', { value: l }, l || t('All levels'))),
  );
  const keyword = h('input', { id: 'log-search', type: 'search', placeholder: t('Search messages'), maxlength: 200 });
  const results = h('div', { 'aria-live': 'polite' });
  let page = 1;

  const load = async () => {
    try {
      await loadPage();
    } catch (error) {
      if (!signal.aborted)
        replace(
          results,
          errorPanel(error, () => void load()),
        );
    }
  };

  const loadPage = async () => {
    replace(results, loading(t('Loading the log…')));
    const body: Record<string, unknown> = { page, page_size: 100, sort_by: 'line_number', sort_order: 'asc' };
    if (level.value) body.level = level.value;
    if (keyword.value.trim()) body.keyword = keyword.value.trim();
    const data = await api<LogPage>('POST', `${taskPath(taskId)}/logs/query`, body, signal);
    if (data.logs.length === 0) {
      replace(results, empty(level.value || keyword.value ? t('No log line matches.') : t('No log yet: the log starts with the first run.')));
      return;
    }
    const p = data.pagination;
    replace(
      results,
      h(
        'table',
        { class: 'grid log-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [t('Time'), t('Level'), t('Step'), t('Message')].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          data.logs.map((r) =>
            h(
              'tr',
              { class: `level-${r.level.toLowerCase()}` },
              h('td', { 'data-label': t('Time'), class: 'nowrap' }, r.timestamp),
              h('td', { 'data-label': t('Level') }, r.level),
              h('td', { 'data-label': t('Step') }, r.step ?? '—'),
              h('td', { 'data-label': t('Message'), class: 'message' }, r.message),
            ),
          ),
        ),
      ),
      h(
        'nav',
        { class: 'pager', 'aria-label': t('Log pages') },
        h(
          'button',
          {
            type: 'button',
            class: 'button',
            disabled: !p.has_prev,
            onclick: () => {
              page -= 1;
              void load();
            },
          },
          t('← Previous'),
        ),
        h('span', {}, t('page {{page}} of {{pages}} · {{lines}} line(s)', { page: p.page, pages: p.total_pages, lines: p.total })),
        h(
          'button',
          {
            type: 'button',
            class: 'button',
            disabled: !p.has_next,
            onclick: () => {
              page += 1;
              void load();
            },
          },
          t('Next →'),
        ),
      ),
    );
  };

  const form = h(
    'form',
    {
      class: 'toolbar',
      role: 'search',
      onsubmit: (event: Event) => {
        event.preventDefault();
        page = 1;
        void load();
      },
    },
    h('label', { for: 'log-level', class: 'inline-label' }, t('Level')),
    level,
    h('label', { for: 'log-search', class: 'visually-hidden' }, t('Search messages')),
    keyword,
    h('button', { type: 'submit', class: 'button' }, t('Search')),
  );
  level.addEventListener('change', () => {
    page = 1;
    void load();
  });
  replace(panel, form, results);
  await loadPage();
}
