/**
 * The question/SQL pairs: the newest pair file, joined with the newest validation report (status,
 * error, repaired SQL) when there is one; filters by status and text.
 */
import { api, fetchText, taskPath } from '../../api.js';
import { empty, h, loading, replace } from '../../dom.js';

interface Pair {
  question: string;
  sql: string;
}

interface ReportRecord {
  id: string;
  index: number;
  question: string;
  sql: string;
  status: 'valid' | 'repaired' | 'invalid';
  error: string | null;
  original_error: string | null;
  repaired_sql: string | null;
}

interface Row {
  question: string;
  sql: string;
  status: string;
  error: string | null;
  repaired: boolean;
  originalSql: string | null;
}

const newest = (names: string[], pattern: RegExp) =>
  names
    .filter((n) => pattern.test(n))
    .sort()
    .at(-1);

export async function renderPairs(panel: HTMLElement, taskId: string, signal: AbortSignal): Promise<void> {
  replace(panel, loading('Loading pairs…'));
  const files = await api<{ files: { file_name: string }[] }>('GET', `${taskPath(taskId)}/files`, undefined, signal);
  const names = files.files.map((f) => f.file_name);
  const pairFile = newest(names, /^qs_.*_pair\.json$/);
  const reportFile = newest(names, /^sql_validation_\d{8}_\d{6}_report\.json$/);
  if (!pairFile && !reportFile) {
    replace(panel, empty('No question/SQL pairs yet: they come from the qa_generation step.'));
    return;
  }
  const read = async <T>(name: string): Promise<T> => JSON.parse(await fetchText(`${taskPath(taskId)}/files/${encodeURIComponent(name)}`, signal)) as T;

  let rows: Row[];
  let source: string;
  if (reportFile) {
    // The report holds every pair checked, the removed ones included.
    const report = await read<{ records?: ReportRecord[]; results?: ReportRecord[] }>(reportFile);
    const records = report.records ?? report.results ?? [];
    rows = records.map((r) => ({
      question: r.question,
      sql: r.repaired_sql ?? r.sql,
      status: r.status,
      error: r.status === 'repaired' ? r.original_error : r.error,
      repaired: r.status === 'repaired',
      originalSql: r.status === 'repaired' ? r.sql : null,
    }));
    source = `${reportFile}${pairFile ? ` (pairs: ${pairFile})` : ''}`;
  } else {
    const pairs = await read<Pair[]>(pairFile as string);
    rows = pairs.map((p) => ({ question: p.question, sql: p.sql, status: 'not validated', error: null, repaired: false, originalSql: null }));
    source = pairFile as string;
  }

  const statusFilter = h(
    'select',
    { id: 'pair-status' },
    h('option', { value: '' }, 'All statuses'),
    [...new Set(rows.map((r) => r.status))].map((s) => h('option', { value: s }, s)),
  );
  const search = h('input', { id: 'pair-search', type: 'search', placeholder: 'Search questions and SQL' });
  const repairedOnly = h('input', { id: 'pair-repaired', type: 'checkbox' });
  const counts = h('p', { class: 'muted', 'aria-live': 'polite' });
  const body = h('tbody');

  const render = () => {
    const needle = search.value.trim().toLowerCase();
    const shown = rows.filter(
      (r) =>
        (!statusFilter.value || r.status === statusFilter.value) &&
        (!repairedOnly.checked || r.repaired) &&
        (!needle || r.question.toLowerCase().includes(needle) || r.sql.toLowerCase().includes(needle)),
    );
    const by = (s: string) => rows.filter((r) => r.status === s).length;
    counts.textContent = `${shown.length} of ${rows.length} pair(s) shown · ${by('valid')} valid, ${by('repaired')} repaired, ${by('invalid')} invalid`;
    replace(
      body,
      shown.length === 0
        ? h('tr', {}, h('td', { colspan: 4 }, 'No pair matches the filters.'))
        : shown.map((r, i) =>
            h(
              'tr',
              { class: `pair-${r.status.replace(/\s/g, '_')}` },
              h('td', { 'data-label': '#' }, String(i + 1)),
              h('td', { 'data-label': 'Question' }, r.question),
              h(
                'td',
                { 'data-label': 'SQL' },
                h('pre', { class: 'sql' }, r.sql),
                r.originalSql ? h('details', {}, h('summary', {}, 'SQL before the repair'), h('pre', { class: 'sql' }, r.originalSql)) : null,
              ),
              h(
                'td',
                { 'data-label': 'Validation' },
                h('span', { class: `badge badge-${r.status === 'not validated' ? 'pending' : r.status}` }, r.status),
                r.repaired ? h('div', { class: 'small' }, 'repaired') : null,
                r.error ? h('div', { class: 'error-text small' }, r.error) : null,
              ),
            ),
          ),
    );
  };
  for (const control of [statusFilter, repairedOnly]) control.addEventListener('change', render);
  search.addEventListener('input', render);

  replace(
    panel,
    h('p', { class: 'muted small' }, `From ${source}`),
    h(
      'div',
      { class: 'toolbar', role: 'search' },
      h('label', { for: 'pair-status', class: 'inline-label' }, 'Status'),
      statusFilter,
      h('label', { for: 'pair-search', class: 'visually-hidden' }, 'Search questions and SQL'),
      search,
      h('span', { class: 'check' }, repairedOnly, h('label', { for: 'pair-repaired' }, 'Repaired only')),
    ),
    counts,
    h(
      'table',
      { class: 'grid pair-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['#', 'Question', 'SQL', 'Validation'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      body,
    ),
  );
  render();
}
