/**
 * The question/SQL pairs under review (GET /tasks/{id}/pairs): filters by validation status, review
 * state and text; each pair can be edited in place (question, and SQL in a code editor), approved,
 * rejected, validated against the source and deleted; pairs can be added; the newest change undone;
 * and the reviewed set loaded (training_load, rejected pairs left out).
 */
import { api, taskPath } from '../../api.js';
import { confirmAction, toast } from '../../dialog.js';
import { empty, h, loading, replace } from '../../dom.js';
import { createSqlEditor } from '../../sql-editor.js';
import { errorPanel } from '../../ui.js';

interface Pair {
  id: string;
  question: string;
  sql: string;
  review: 'approved' | 'rejected' | null;
  theme: string | null;
  tables: string[];
  validation: { status: 'valid' | 'repaired' | 'invalid' | 'unchecked'; error: string | null; source: 'check' | 'report' | null };
}

interface PairList {
  pair_file: string;
  pairs: Pair[];
  counts: { total: number; approved: number; rejected: number; unreviewed: number; invalid: number };
  undoable: number;
}

const REVIEW_LABEL: Record<string, string> = { approved: 'approved', rejected: 'rejected', none: 'unreviewed' };

export async function renderPairs(panel: HTMLElement, taskId: string, signal: AbortSignal): Promise<void> {
  replace(panel, loading('Loading pairs…'));
  const base = `${taskPath(taskId)}/pairs`;
  let list: PairList;
  try {
    list = await api<PairList>('GET', base, undefined, signal);
  } catch (error) {
    if ((error as { status?: number }).status === 404) {
      replace(panel, empty('No question/SQL pairs yet: they come from the qa_generation step.'));
      return;
    }
    throw error;
  }

  const statusFilter = h(
    'select',
    { id: 'pair-status' },
    h('option', { value: '' }, 'All statuses'),
    ['valid', 'repaired', 'invalid', 'unchecked'].map((s) => h('option', { value: s }, s)),
  );
  const reviewFilter = h(
    'select',
    { id: 'pair-review' },
    h('option', { value: '' }, 'All reviews'),
    Object.entries(REVIEW_LABEL).map(([value, label]) => h('option', { value }, label)),
  );
  const search = h('input', { id: 'pair-search', type: 'search', placeholder: 'Search questions and SQL' });
  const counts = h('p', { class: 'muted', 'aria-live': 'polite' });
  const body = h('tbody');
  const undo = h('button', { type: 'button', class: 'button', disabled: list.undoable === 0 }, 'Undo last change');
  const reload = () => renderPairs(panel, taskId, signal).catch((error: unknown) => replace(panel, errorPanel(error)));

  /** Sends a change; on success the tab is drawn again from the server's state. */
  const send = async (method: string, path: string, payload: unknown, done: string) => {
    try {
      await api(method, path, payload, signal);
      toast(done);
      await reload();
    } catch (error) {
      toast(error instanceof Error ? error.message : String(error), 'error');
    }
  };

  undo.addEventListener('click', () => void send('POST', `${base}/undo`, undefined, 'Last change undone'));

  function editRow(row: HTMLTableRowElement, pair: Pair): void {
    const question = h('textarea', { class: 'pair-question-input', rows: 2, 'aria-label': `Question of pair ${pair.id}` });
    question.value = pair.question;
    const editor = createSqlEditor(pair.sql, `SQL of pair ${pair.id}`);
    const save = h('button', { type: 'button', class: 'button primary small' }, 'Save');
    const cancel = h('button', { type: 'button', class: 'button small' }, 'Cancel');
    save.addEventListener('click', () => {
      const patch: Record<string, string> = {};
      if (question.value.trim() !== pair.question) patch.question = question.value;
      if (editor.value().trim() !== pair.sql) patch.sql = editor.value();
      if (Object.keys(patch).length === 0) {
        editor.destroy();
        void reload();
        return;
      }
      void send('PATCH', `${base}/${encodeURIComponent(pair.id)}`, patch, `Pair ${pair.id} saved`);
    });
    cancel.addEventListener('click', () => {
      editor.destroy();
      void reload();
    });
    replace(
      row,
      h('td', { 'data-label': '#' }, row.dataset.number ?? ''),
      h(
        'td',
        { colspan: 4, class: 'pair-editing' },
        h('label', {}, 'Question'),
        question,
        h('label', {}, 'SQL'),
        editor.element,
        h('div', { class: 'row-actions' }, save, cancel),
      ),
    );
    question.focus();
  }

  /** A row action: its visible label is part of its accessible name (`Reject pair q…`). */
  const action = (pair: Pair, label: string, onclick: () => void, danger = false) =>
    h('button', { type: 'button', class: `button small${danger ? ' danger' : ''}`, 'aria-label': `${label} pair ${pair.id}`, onclick }, label);

  /** Approve/reject, or clear the review the pair has (Unapprove, Unreject). */
  const reviewAction = (pair: Pair, review: 'approved' | 'rejected', label: string, undoLabel: string) => {
    const path = `${base}/${encodeURIComponent(pair.id)}`;
    return pair.review === review
      ? action(pair, undoLabel, () => void send('PATCH', path, { review: null }, `Review of ${pair.id} cleared`))
      : action(pair, label, () => void send('PATCH', path, { review }, `Pair ${pair.id} ${review}`), review === 'rejected');
  };

  const actions = (pair: Pair, row: () => HTMLTableRowElement) =>
    h(
      'div',
      { class: 'row-actions' },
      action(pair, 'Edit', () => editRow(row(), pair)),
      reviewAction(pair, 'approved', 'Approve', 'Unapprove'),
      reviewAction(pair, 'rejected', 'Reject', 'Unreject'),
      action(pair, 'Validate', () => void send('POST', `${base}/${encodeURIComponent(pair.id)}/validate`, undefined, `Pair ${pair.id} checked`)),
      action(pair, 'Delete', async () => {
        if (!(await confirmAction('Delete this pair?', pair.question, 'Delete', true))) return;
        await send('DELETE', `${base}/${encodeURIComponent(pair.id)}`, undefined, `Pair ${pair.id} deleted (Undo puts it back)`);
      }),
    );

  const render = () => {
    const needle = search.value.trim().toLowerCase();
    const shown = list.pairs.filter(
      (p) =>
        (!statusFilter.value || p.validation.status === statusFilter.value) &&
        (!reviewFilter.value || (p.review ?? 'none') === reviewFilter.value) &&
        (!needle || p.question.toLowerCase().includes(needle) || p.sql.toLowerCase().includes(needle)),
    );
    const by = (s: string) => list.pairs.filter((p) => p.validation.status === s).length;
    counts.textContent =
      `${shown.length} of ${list.pairs.length} pair(s) shown · ${by('valid')} valid, ${by('repaired')} repaired, ${by('invalid')} invalid` +
      ` · ${list.counts.approved} approved, ${list.counts.rejected} rejected`;
    replace(
      body,
      shown.length === 0
        ? h('tr', {}, h('td', { colspan: 5 }, 'No pair matches the filters.'))
        : shown.map((pair) => {
            // The pair's own number in the file: it stays the same when filters hide others.
            const number = String(list.pairs.indexOf(pair) + 1);
            const row: HTMLTableRowElement = h(
              'tr',
              { class: `pair-${pair.validation.status}${pair.review ? ` review-${pair.review}` : ''}`, 'data-pair': pair.id, 'data-number': number },
              h('td', { 'data-label': '#' }, number),
              h(
                'td',
                { 'data-label': 'Question' },
                h('span', { class: 'pair-question' }, pair.question),
                pair.theme ? h('div', { class: 'muted small' }, pair.theme) : null,
              ),
              h('td', { 'data-label': 'SQL' }, h('pre', { class: 'sql' }, pair.sql)),
              h(
                'td',
                { 'data-label': 'Status' },
                h('span', { class: `badge badge-${pair.validation.status === 'unchecked' ? 'pending' : pair.validation.status}` }, pair.validation.status),
                ' ',
                pair.review ? h('span', { class: `badge badge-review-${pair.review}` }, pair.review) : null,
                pair.validation.error ? h('div', { class: 'error-text small' }, pair.validation.error) : null,
              ),
              h(
                'td',
                { 'data-label': 'Actions' },
                actions(pair, () => row),
              ),
            );
            return row;
          }),
    );
  };
  for (const control of [statusFilter, reviewFilter]) control.addEventListener('change', render);
  search.addEventListener('input', render);

  // Adding a pair: a question and its SQL, checked by the server (and validated from the row after).
  const newQuestion = h('input', { id: 'new-question', type: 'text', maxlength: 2000 });
  const newSql = createSqlEditor('', 'SQL of the new pair');
  const addForm = h(
    'details',
    { class: 'card add-pair' },
    h('summary', {}, 'Add a pair'),
    h('div', { class: 'field' }, h('label', { for: 'new-question' }, 'Question'), newQuestion),
    h('div', { class: 'field' }, h('span', { class: 'inline-label' }, 'SQL'), newSql.element),
    h(
      'button',
      {
        type: 'button',
        class: 'button primary',
        onclick: () => void send('POST', base, { question: newQuestion.value, sql: newSql.value() }, 'Pair added'),
      },
      'Add pair',
    ),
  );
  const load = h(
    'button',
    {
      type: 'button',
      class: 'button primary',
      onclick: async () => {
        const message = `${list.counts.total - list.counts.rejected} pair(s) go to the vector store; ${list.counts.rejected} rejected stay out.`;
        if (!(await confirmAction('Load the reviewed pairs?', message, 'Load'))) return;
        try {
          await api('POST', `${taskPath(taskId)}/execute`, { execution_mode: 'step', step_name: 'training_load' }, signal);
          toast('training_load started: the Steps tab follows it');
        } catch (error) {
          toast(error instanceof Error ? error.message : String(error), 'error');
        }
      },
    },
    'Load reviewed set',
  );

  replace(
    panel,
    h('p', { class: 'muted small' }, `From ${list.pair_file}`),
    h(
      'div',
      { class: 'toolbar', role: 'search' },
      h('label', { for: 'pair-status', class: 'inline-label' }, 'Status'),
      statusFilter,
      h('label', { for: 'pair-review', class: 'inline-label' }, 'Review'),
      reviewFilter,
      h('label', { for: 'pair-search', class: 'visually-hidden' }, 'Search questions and SQL'),
      search,
      undo,
      load,
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
          ['#', 'Question', 'SQL', 'Status', 'Actions'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      body,
    ),
    addForm,
  );
  render();
}
