/**
 * The training data in the vector store: what is loaded (rows per collection with the embedder
 * that made them, per database, kind and task), and a box to ask a question and see the rows an
 * assistant would retrieve for it, with their similarity and where each came from.
 */
import { ApiFailure, api, taskPath, VECTOR, type TrainingHit, type TrainingSearch, type TrainingStats } from '../api.js';
import { empty, formatTime, h, loading, replace } from '../dom.js';
import { errorPanel } from '../ui.js';

const KINDS = [
  { name: 'ddl', label: 'DDL' },
  { name: 'documentation', label: 'Documentation' },
  { name: 'sql', label: 'Question/SQL' },
] as const;

/** Task ids the API knows: a task run from the command line has no record, so no page to link to. */
let knownTasks = new Set<string>();

const taskLink = (taskId: string) =>
  knownTasks.has(taskId)
    ? h('a', { href: `#/tasks/${encodeURIComponent(taskId)}` }, taskId)
    : h('span', { title: 'run from the command line: no task record in this server' }, taskId);

/** Which of the tasks holding rows the API has a record of (one request each, for the first 50). */
async function findKnownTasks(taskIds: string[], signal: AbortSignal): Promise<Set<string>> {
  const found = await Promise.all(
    taskIds.slice(0, 50).map((id) =>
      api('GET', taskPath(id), undefined, signal).then(
        () => id,
        (error: unknown) => {
          if (error instanceof ApiFailure && error.status === 404) return undefined;
          throw error;
        },
      ),
    ),
  );
  return new Set(found.filter((id): id is string => id !== undefined));
}

function embedderText({ embedder, rows }: TrainingStats['collections'][number]): string {
  if (embedder) return `${embedder.provider} · ${embedder.model} · ${embedder.dimension} dimensions`;
  return rows ? 'not recorded (loaded by an earlier version)' : '— (empty)';
}

function collectionsTable(stats: TrainingStats): HTMLElement {
  return h(
    'table',
    { class: 'grid collection-table' },
    h('caption', { class: 'visually-hidden' }, 'Collections'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Collection', 'Rows', 'Embedder'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      stats.collections.map((c) =>
        h(
          'tr',
          { 'data-collection': c.name },
          h('td', { 'data-label': 'Collection' }, h('code', {}, c.name)),
          h('td', { 'data-label': 'Rows', class: 'rows' }, c.rows),
          h('td', { 'data-label': 'Embedder', class: 'embedder' }, embedderText(c)),
        ),
      ),
    ),
  );
}

function databasesTable(stats: TrainingStats): HTMLElement {
  return h(
    'table',
    { class: 'grid database-table' },
    h('caption', { class: 'visually-hidden' }, 'Rows per database'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Database', ...KINDS.map((k) => k.label), 'Total', 'Tasks'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      stats.databases.map((db) =>
        h(
          'tr',
          { 'data-db': db.db_key },
          h('td', { 'data-label': 'Database' }, h('strong', {}, db.source_db.database), h('div', { class: 'muted small' }, db.db_key)),
          KINDS.map((k) => h('td', { 'data-label': k.label, 'data-kind': k.name }, db.by_kind[k.name] ?? 0)),
          h('td', { 'data-label': 'Total', class: 'total' }, db.rows),
          h(
            'td',
            { 'data-label': 'Tasks' },
            h(
              'ul',
              { class: 'plain-list' },
              Object.entries(db.tasks).map(([taskId, rows]) => h('li', {}, taskLink(taskId), h('span', { class: 'muted' }, ` ${rows} rows`))),
            ),
          ),
        ),
      ),
    ),
  );
}

/** A provenance field as text, whatever JSON it holds. */
function provenanceText(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (value && typeof value === 'object') return JSON.stringify(value);
  return value === undefined || value === null ? '—' : String(value);
}

function hitCard(hit: TrainingHit, rank: number): HTMLElement {
  const p = hit.provenance;
  const taskIds = Array.isArray(p.task_ids) ? p.task_ids.map(String) : [];
  return h(
    'li',
    { class: 'hit card', 'data-kind': hit.kind },
    h(
      'div',
      { class: 'step-head' },
      h('h3', {}, `${rank}. `, h('span', { class: 'badge' }, hit.kind)),
      h('span', { class: 'similarity', title: 'cosine similarity, 1 = the same direction' }, `similarity ${hit.similarity.toFixed(3)}`),
    ),
    hit.question !== undefined
      ? [h('p', { class: 'hit-question' }, hit.question), h('pre', { class: 'sql' }, hit.sql ?? '')]
      : h('pre', { class: 'file-preview hit-document' }, hit.document),
    h(
      'dl',
      { class: 'counters' },
      h('dt', {}, 'Database'),
      h('dd', {}, provenanceText(p.db_key)),
      h('dt', {}, 'Tables'),
      h('dd', {}, provenanceText(p.tables)),
      h('dt', {}, 'File'),
      h('dd', {}, provenanceText(p.source_file)),
      h('dt', {}, 'Tasks'),
      h('dd', {}, taskIds.length ? taskIds.flatMap((t, i) => (i ? [', ', taskLink(t)] : [taskLink(t)])) : '—'),
      h('dt', {}, 'Loaded'),
      h('dd', {}, typeof p.loaded_at === 'string' ? formatTime(p.loaded_at) : '—'),
    ),
  );
}

function searchForm(stats: TrainingStats, results: HTMLElement, signal: AbortSignal): HTMLElement {
  const question = h('input', {
    id: 'search-question',
    type: 'search',
    required: true,
    maxlength: 2000,
    placeholder: 'e.g. How many orders were placed last month?',
  });
  const kind = h(
    'select',
    { id: 'search-kind' },
    h('option', { value: '' }, 'All kinds'),
    KINDS.map((k) => h('option', { value: k.name }, k.label)),
  );
  const db = h(
    'select',
    { id: 'search-db' },
    h('option', { value: '' }, 'All databases'),
    stats.databases.map((d) => h('option', { value: d.db_key }, d.db_key)),
  );
  const k = h(
    'select',
    { id: 'search-k' },
    [3, 5, 10, 20].map((n) => h('option', { value: n, selected: n === 5 }, n)),
  );
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Search');
  return h(
    'form',
    {
      class: 'form search-form',
      role: 'search',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const text = question.value.trim();
        if (!text) return;
        const body: Record<string, unknown> = { question: text, k: Number(k.value) };
        if (kind.value) body.kind = kind.value;
        if (db.value) body.db = db.value;
        submit.disabled = true;
        replace(results, loading('Searching…'));
        try {
          const found = await api<TrainingSearch>('POST', `${VECTOR}/search`, body, signal);
          replace(
            results,
            h('p', { class: 'muted', role: 'status' }, `${found.results.length} nearest row(s) for “${found.question}”, embedded with ${found.embedder.model}`),
            found.results.length
              ? h(
                  'ol',
                  { class: 'hits' },
                  found.results.map((hit, i) => hitCard(hit, i + 1)),
                )
              : empty('No row matches these filters.'),
          );
        } catch (error) {
          if (!signal.aborted) replace(results, errorPanel(error));
        } finally {
          submit.disabled = false;
        }
      },
    },
    h(
      'fieldset',
      {},
      h('legend', {}, 'What would an assistant retrieve?'),
      h('div', { class: 'field' }, h('label', { for: 'search-question' }, 'Question'), question),
      h(
        'div',
        { class: 'row' },
        h('label', { for: 'search-kind', class: 'inline-label' }, 'Kind'),
        kind,
        h('label', { for: 'search-db', class: 'inline-label' }, 'Database'),
        db,
        h('label', { for: 'search-k', class: 'inline-label' }, 'Rows'),
        k,
        submit,
      ),
    ),
  );
}

export async function renderTrainingData(root: HTMLElement, signal: AbortSignal): Promise<void> {
  replace(root, h('h1', {}, 'Training data'), loading('Loading what the store holds…'));
  const stats = await api<TrainingStats>('GET', `${VECTOR}/stats`, undefined, signal);
  knownTasks = await findKnownTasks([...new Set(stats.databases.flatMap((d) => Object.keys(d.tasks)))], signal);
  const head = h(
    'div',
    { class: 'page-head' },
    h('div', {}, h('h1', {}, 'Training data'), h('p', { class: 'muted', id: 'store-total' }, `${stats.total_rows} rows in the vector store`)),
    h('div', { class: 'toolbar' }, h('button', { type: 'button', class: 'button', onclick: () => void renderTrainingData(root, signal) }, 'Refresh')),
  );
  if (stats.total_rows === 0) {
    replace(
      root,
      head,
      empty(
        'Nothing is loaded yet. A task’s last step, training_load, puts its DDL, documentation and question/SQL pairs here.',
        h('a', { class: 'button primary', href: '#/tasks' }, 'Go to the tasks'),
      ),
    );
    return;
  }
  const results = h('section', { class: 'search-results', 'aria-live': 'polite' });
  replace(
    root,
    head,
    h('h2', {}, 'Collections'),
    collectionsTable(stats),
    h('h2', { class: 'section-gap' }, 'Per database'),
    stats.databases.length ? databasesTable(stats) : null,
    stats.rows_without_database
      ? h(
          'p',
          { class: 'hint' },
          `${stats.rows_without_database} row(s) were loaded by an earlier version and say no database: the next load of their task replaces them.`,
        )
      : null,
    h('div', { class: 'section-gap' }, searchForm(stats, results, signal)),
    results,
  );
}
