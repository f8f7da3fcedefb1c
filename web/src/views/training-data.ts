/**
 * The training data in the vector store: what is loaded (rows per collection with the embedder
 * that made them, per database, kind and task), and a box to ask a question and see the rows an
 * assistant would retrieve for it, with their similarity and where each came from.
 */
import { ApiFailure, api, taskPath, VECTOR, type TrainingHit, type TrainingSearch, type TrainingStats } from '../api.js';
import { empty, formatTime, h, loading, replace } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorPanel } from '../ui.js';

// Labels are functions: the language can change without a reload.
const KINDS = [
  { name: 'ddl', label: () => t('DDL') },
  { name: 'documentation', label: () => t('Documentation') },
  { name: 'sql', label: () => t('Question/SQL') },
] as const;

/** A hit's kind as its badge shows it: the API's word, only `documentation` is not a technical one. */
const hitKind = (kind: string) => (kind === 'documentation' ? t('documentation') : kind);

/** Task ids the API knows: a task run from the command line has no record, so no page to link to. */
let knownTasks = new Set<string>();

const taskLink = (taskId: string) =>
  knownTasks.has(taskId)
    ? h('a', { href: `#/tasks/${encodeURIComponent(taskId)}` }, taskId)
    : h('span', { title: t('run from the command line: no task record in this server') }, taskId);

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
  if (embedder)
    return t('{{provider}} · {{model}} · {{dimension}} dimensions', { provider: embedder.provider, model: embedder.model, dimension: embedder.dimension });
  return rows ? t('not recorded (loaded by an earlier version)') : t('— (empty)');
}

function collectionsTable(stats: TrainingStats): HTMLElement {
  return h(
    'table',
    { class: 'grid collection-table' },
    h('caption', { class: 'visually-hidden' }, t('Collections')),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        [t('Collection'), t('Rows'), t('Embedder')].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      stats.collections.map((c) =>
        h(
          'tr',
          { 'data-collection': c.name },
          h('td', { 'data-label': t('Collection') }, h('code', {}, c.name)),
          h('td', { 'data-label': t('Rows'), class: 'rows' }, c.rows),
          h('td', { 'data-label': t('Embedder'), class: 'embedder' }, embedderText(c)),
        ),
      ),
    ),
  );
}

function databasesTable(stats: TrainingStats): HTMLElement {
  return h(
    'table',
    { class: 'grid database-table' },
    h('caption', { class: 'visually-hidden' }, t('Rows per database')),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        [t('Database'), ...KINDS.map((k) => k.label()), t('Total'), t('Tasks')].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      stats.databases.map((db) =>
        h(
          'tr',
          { 'data-db': db.db_key },
          h('td', { 'data-label': t('Database') }, h('strong', {}, db.source_db.database), h('div', { class: 'muted small' }, db.db_key)),
          KINDS.map((k) => h('td', { 'data-label': k.label(), 'data-kind': k.name }, db.by_kind[k.name] ?? 0)),
          h('td', { 'data-label': t('Total'), class: 'total' }, db.rows),
          h(
            'td',
            { 'data-label': t('Tasks') },
            h(
              'ul',
              { class: 'plain-list' },
              Object.entries(db.tasks).map(([taskId, rows]) =>
                h('li', {}, taskLink(taskId), h('span', { class: 'muted' }, ` ${t('{{rows}} rows', { rows })}`)),
              ),
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
      h('h3', {}, `${rank}. `, h('span', { class: 'badge' }, hitKind(hit.kind))),
      h(
        'span',
        { class: 'similarity', title: t('cosine similarity, 1 = the same direction') },
        t('similarity {{value}}', { value: hit.similarity.toFixed(3) }),
      ),
    ),
    hit.question !== undefined
      ? [h('p', { class: 'hit-question' }, hit.question), h('pre', { class: 'sql' }, hit.sql ?? '')]
      : h('pre', { class: 'file-preview hit-document' }, hit.document),
    h(
      'dl',
      { class: 'counters' },
      h('dt', {}, t('Database')),
      h('dd', {}, provenanceText(p.db_key)),
      h('dt', {}, t('Tables')),
      h('dd', {}, provenanceText(p.tables)),
      h('dt', {}, t('File')),
      h('dd', {}, provenanceText(p.source_file)),
      h('dt', {}, t('Tasks')),
      h('dd', {}, taskIds.length ? taskIds.flatMap((id, i) => (i ? [', ', taskLink(id)] : [taskLink(id)])) : '—'),
      h('dt', {}, t('Loaded')),
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
    placeholder: t('e.g. How many orders were placed last month?'),
  });
  const kind = h(
    'select',
    { id: 'search-kind' },
    h('option', { value: '' }, t('All kinds')),
    KINDS.map((k) => h('option', { value: k.name }, k.label())),
  );
  const db = h(
    'select',
    { id: 'search-db' },
    h('option', { value: '' }, t('All databases')),
    stats.databases.map((d) => h('option', { value: d.db_key }, d.db_key)),
  );
  const k = h(
    'select',
    { id: 'search-k' },
    [3, 5, 10, 20].map((n) => h('option', { value: n, selected: n === 5 }, n)),
  );
  const submit = h('button', { type: 'submit', class: 'button primary' }, t('Search'));
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
        replace(results, loading(t('Searching…')));
        try {
          const found = await api<TrainingSearch>('POST', `${VECTOR}/search`, body, signal);
          replace(
            results,
            h(
              'p',
              { class: 'muted', role: 'status' },
              t('{{rows}} nearest row(s) for “{{question}}”, embedded with {{model}}', {
                rows: found.results.length,
                question: found.question,
                model: found.embedder.model,
              }),
            ),
            found.results.length
              ? h(
                  'ol',
                  { class: 'hits' },
                  found.results.map((hit, i) => hitCard(hit, i + 1)),
                )
              : empty(t('No row matches these filters.')),
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
      h('legend', {}, t('What would an assistant retrieve?')),
      h('div', { class: 'field' }, h('label', { for: 'search-question' }, t('Question')), question),
      h(
        'div',
        { class: 'row' },
        h('label', { for: 'search-kind', class: 'inline-label' }, t('Kind')),
        kind,
        h('label', { for: 'search-db', class: 'inline-label' }, t('Database')),
        db,
        h('label', { for: 'search-k', class: 'inline-label' }, t('Rows')),
        k,
        submit,
      ),
    ),
  );
}

export async function renderTrainingData(root: HTMLElement, signal: AbortSignal): Promise<void> {
  replace(root, h('h1', {}, t('Training data')), loading(t('Loading what the store holds…')));
  const stats = await api<TrainingStats>('GET', `${VECTOR}/stats`, undefined, signal);
  knownTasks = await findKnownTasks([...new Set(stats.databases.flatMap((d) => Object.keys(d.tasks)))], signal);
  const head = h(
    'div',
    { class: 'page-head' },
    h(
      'div',
      {},
      h('h1', {}, t('Training data')),
      h('p', { class: 'muted', id: 'store-total' }, t('{{rows}} rows in the vector store', { rows: stats.total_rows })),
    ),
    h('div', { class: 'toolbar' }, h('button', { type: 'button', class: 'button', onclick: () => void renderTrainingData(root, signal) }, t('Refresh'))),
  );
  if (stats.total_rows === 0) {
    replace(
      root,
      head,
      empty(
        t('Nothing is loaded yet. A task’s last step, training_load, puts its DDL, documentation and question/SQL pairs here.'),
        h('a', { class: 'button primary', href: '#/tasks' }, t('Go to the tasks')),
      ),
    );
    return;
  }
  const results = h('section', { class: 'search-results', 'aria-live': 'polite' });
  replace(
    root,
    head,
    h('h2', {}, t('Collections')),
    collectionsTable(stats),
    h('h2', { class: 'section-gap' }, t('Per database')),
    stats.databases.length ? databasesTable(stats) : null,
    stats.rows_without_database
      ? h(
          'p',
          { class: 'hint' },
          t('{{rows}} row(s) were loaded by an earlier version and say no database: the next load of their task replaces them.', {
            rows: stats.rows_without_database,
          }),
        )
      : null,
    h('div', { class: 'section-gap' }, searchForm(stats, results, signal)),
    results,
  );
}
