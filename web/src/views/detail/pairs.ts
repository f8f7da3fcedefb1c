/**
 * The question/SQL pairs under review (GET /tasks/{id}/pairs): filters by validation status, review
 * state and text; each pair can be edited in place (question, and SQL in a code editor), approved,
 * rejected, validated against the source and deleted; pairs can be added; the newest change undone;
 * and the reviewed set loaded (training_load, rejected pairs left out).
 */
import { api, taskPath } from '../../api.js';
import { confirmAction, toast } from '../../dialog.js';
import { empty, h, loading, replace, statusLabel } from '../../dom.js';
import { t } from '../../i18n/index.js';
import { createSqlEditor } from '../../sql-editor.js';
import { errorPanel } from '../../ui.js';

interface Pair {
  id: string;
  question: string;
  sql: string;
  review: 'approved' | 'rejected' | null;
  theme: string | null;
  tables: string[];
  difficulty: 'easy' | 'medium' | 'hard' | null;
  validation: {
    status: 'valid' | 'repaired' | 'invalid' | 'unchecked';
    error: string | null;
    source: 'check' | 'report' | null;
    /** What running the query found: no rows, or a value outside a documented enumeration. */
    flags: ('empty_result' | 'enum_literal')[];
    explanation: string | null;
  };
}

interface PairList {
  pair_file: string;
  pairs: Pair[];
  counts: { total: number; approved: number; rejected: number; unreviewed: number; invalid: number };
  undoable: number;
}

/** The review filter's choices: the option value (`none`: no review yet) and its label, read when drawn. */
const REVIEW_VALUES = ['approved', 'rejected', 'none'] as const;
const reviewLabel = (value: (typeof REVIEW_VALUES)[number]) => statusLabel(value === 'none' ? 'unreviewed' : value);
/** A pair's difficulty (from its SQL's shape) as the reader reads it. */
function difficultyLabel(difficulty: 'easy' | 'medium' | 'hard'): string {
  if (difficulty === 'easy') return t('easy');
  return difficulty === 'medium' ? t('medium') : t('hard');
}

/** A validation status as the reader reads it (`unchecked`: not validated yet). */
const validationLabel = (status: Pair['validation']['status']) => (status === 'unchecked' ? t('unchecked') : statusLabel(status));

export async function renderPairs(panel: HTMLElement, taskId: string, signal: AbortSignal): Promise<void> {
  replace(panel, loading(t('Loading pairs…')));
  const base = `${taskPath(taskId)}/pairs`;
  let list: PairList;
  try {
    list = await api<PairList>('GET', base, undefined, signal);
  } catch (error) {
    if ((error as { status?: number }).status === 404) {
      replace(panel, empty(t('No question/SQL pairs yet: they come from the qa_generation step.')));
      return;
    }
    throw error;
  }

  const statusFilter = h(
    'select',
    { id: 'pair-status' },
    h('option', { value: '' }, t('All statuses')),
    (['valid', 'repaired', 'invalid', 'unchecked'] as const).map((s) => h('option', { value: s }, validationLabel(s))),
  );
  const reviewFilter = h(
    'select',
    { id: 'pair-review' },
    h('option', { value: '' }, t('All reviews')),
    REVIEW_VALUES.map((value) => h('option', { value }, reviewLabel(value))),
  );
  const search = h('input', { id: 'pair-search', type: 'search', placeholder: t('Search questions and SQL') });
  const counts = h('p', { class: 'muted', 'aria-live': 'polite' });
  const body = h('tbody');
  const undo = h('button', { type: 'button', class: 'button', disabled: list.undoable === 0 }, t('Undo last change'));
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

  undo.addEventListener('click', () => void send('POST', `${base}/undo`, undefined, t('Last change undone')));

  function editRow(row: HTMLTableRowElement, pair: Pair): void {
    const question = h('textarea', { class: 'pair-question-input', rows: 2, 'aria-label': t('Question of pair {{id}}', { id: pair.id }) });
    question.value = pair.question;
    const editor = createSqlEditor(pair.sql, t('SQL of pair {{id}}', { id: pair.id }));
    const save = h('button', { type: 'button', class: 'button primary small' }, t('Save'));
    const cancel = h('button', { type: 'button', class: 'button small' }, t('Cancel'));
    save.addEventListener('click', () => {
      const patch: Record<string, string> = {};
      if (question.value.trim() !== pair.question) patch.question = question.value;
      if (editor.value().trim() !== pair.sql) patch.sql = editor.value();
      if (Object.keys(patch).length === 0) {
        editor.destroy();
        void reload();
        return;
      }
      void send('PATCH', `${base}/${encodeURIComponent(pair.id)}`, patch, t('Pair {{id}} saved', { id: pair.id }));
    });
    cancel.addEventListener('click', () => {
      editor.destroy();
      void reload();
    });
    replace(
      row,
      h('td', { 'data-label': '#' }, row.dataset.number ?? ''),
      // The cell stays a table cell (so it spans the row's columns); its content is the flex box.
      h(
        'td',
        { colspan: 4 },
        h(
          'div',
          { class: 'pair-editing' },
          h('label', {}, t('Question')),
          question,
          h('label', {}, t('SQL')),
          editor.element,
          h('div', { class: 'row-actions' }, save, cancel),
        ),
      ),
    );
    question.focus();
  }

  /** A row action: its visible label is part of its accessible name (`Reject pair q…`). */
  const action = (label: string, name: string, onclick: () => void, danger = false) =>
    h('button', { type: 'button', class: `button small${danger ? ' danger' : ''}`, 'aria-label': name, onclick }, label);

  /** Approve/reject, or clear the review the pair has (Unapprove, Unreject). */
  const reviewAction = (pair: Pair, review: 'approved' | 'rejected') => {
    const path = `${base}/${encodeURIComponent(pair.id)}`;
    const id = pair.id;
    const clear = () => void send('PATCH', path, { review: null }, t('Review of {{id}} cleared', { id }));
    if (review === 'approved') {
      return pair.review === review
        ? action(t('Unapprove'), t('Unapprove pair {{id}}', { id }), clear)
        : action(t('Approve'), t('Approve pair {{id}}', { id }), () => void send('PATCH', path, { review }, t('Pair {{id}} approved', { id })));
    }
    return pair.review === review
      ? action(t('Unreject'), t('Unreject pair {{id}}', { id }), clear)
      : action(t('Reject'), t('Reject pair {{id}}', { id }), () => void send('PATCH', path, { review }, t('Pair {{id}} rejected', { id })), true);
  };

  const actions = (pair: Pair, row: () => HTMLTableRowElement) =>
    h(
      'div',
      { class: 'row-actions' },
      action(t('Edit'), t('Edit pair {{id}}', { id: pair.id }), () => editRow(row(), pair)),
      reviewAction(pair, 'approved'),
      reviewAction(pair, 'rejected'),
      action(
        t('Validate'),
        t('Validate pair {{id}}', { id: pair.id }),
        () => void send('POST', `${base}/${encodeURIComponent(pair.id)}/validate`, undefined, t('Pair {{id}} checked', { id: pair.id })),
      ),
      action(t('Delete'), t('Delete pair {{id}}', { id: pair.id }), async () => {
        if (!(await confirmAction(t('Delete this pair?'), pair.question, t('Delete'), true))) return;
        await send('DELETE', `${base}/${encodeURIComponent(pair.id)}`, undefined, t('Pair {{id}} deleted (Undo puts it back)', { id: pair.id }));
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
    counts.textContent = t(
      '{{shown}} of {{count}} pair(s) shown · {{valid}} valid, {{repaired}} repaired, {{invalid}} invalid · {{approved}} approved, {{rejected}} rejected',
      {
        shown: shown.length,
        count: list.pairs.length,
        valid: by('valid'),
        repaired: by('repaired'),
        invalid: by('invalid'),
        approved: list.counts.approved,
        rejected: list.counts.rejected,
      },
    );
    replace(
      body,
      shown.length === 0
        ? h('tr', {}, h('td', { colspan: 5 }, t('No pair matches the filters.')))
        : shown.map((pair) => {
            // The pair's own number in the file: it stays the same when filters hide others.
            const number = String(list.pairs.indexOf(pair) + 1);
            const row: HTMLTableRowElement = h(
              'tr',
              { class: `pair-${pair.validation.status}${pair.review ? ` review-${pair.review}` : ''}`, 'data-pair': pair.id, 'data-number': number },
              h('td', { 'data-label': '#' }, number),
              h(
                'td',
                { 'data-label': t('Question') },
                h('span', { class: 'pair-question' }, pair.question),
                pair.theme ? h('div', { class: 'muted small', translate: 'no' }, pair.theme) : null,
              ),
              h('td', { 'data-label': t('SQL') }, h('pre', { class: 'sql' }, pair.sql)),
              h(
                'td',
                { 'data-label': t('Status') },
                h(
                  'span',
                  { class: `badge badge-${pair.validation.status === 'unchecked' ? 'pending' : pair.validation.status}` },
                  validationLabel(pair.validation.status),
                ),
                ' ',
                pair.review ? h('span', { class: `badge badge-review-${pair.review}` }, statusLabel(pair.review)) : null,
                pair.validation.error ? h('div', { class: 'error-text small' }, pair.validation.error) : null,
                // What running the query found (sql_validation's execute check): valid, but worth a look.
                pair.validation.flags.length
                  ? h(
                      'div',
                      { class: 'warn-text small' },
                      pair.validation.flags.map((f) => (f === 'empty_result' ? t('returns no rows') : t('value outside its enumeration'))).join('; '),
                      pair.validation.explanation ? h('div', { class: 'muted', translate: 'no' }, pair.validation.explanation) : null,
                    )
                  : null,
                pair.difficulty ? h('div', { class: 'muted small' }, difficultyLabel(pair.difficulty)) : null,
              ),
              h(
                'td',
                { 'data-label': t('Actions') },
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
  const newSql = createSqlEditor('', t('SQL of the new pair'));
  const addForm = h(
    'details',
    { class: 'card add-pair' },
    h('summary', {}, t('Add a pair')),
    h('div', { class: 'field' }, h('label', { for: 'new-question' }, t('Question')), newQuestion),
    h('div', { class: 'field' }, h('span', { class: 'inline-label' }, t('SQL')), newSql.element),
    h(
      'button',
      {
        type: 'button',
        class: 'button primary',
        onclick: () => void send('POST', base, { question: newQuestion.value, sql: newSql.value() }, t('Pair added')),
      },
      t('Add pair'),
    ),
  );
  const load = h(
    'button',
    {
      type: 'button',
      class: 'button primary',
      onclick: async () => {
        const out = list.pairs.filter((p) => p.review === 'rejected' || p.validation.status === 'invalid').length;
        const unchecked = list.pairs.filter((p) => p.review !== 'rejected' && p.validation.status === 'unchecked').length;
        const message = [
          t('{{count}} pair(s) go to the vector store; {{out}} rejected or invalid stay out.', { count: list.pairs.length - out, out }),
          unchecked ? t('{{unchecked}} changed since their last check are checked first; those that fail stay out.', { unchecked }) : '',
        ]
          .filter(Boolean)
          .join(' ');
        if (!(await confirmAction(t('Load the reviewed pairs?'), message, t('Load')))) return;
        try {
          await api('POST', `${taskPath(taskId)}/execute`, { execution_mode: 'step', step_name: 'training_load' }, signal);
          toast(t('training_load started: the Steps tab follows it'));
        } catch (error) {
          toast(error instanceof Error ? error.message : String(error), 'error');
        }
      },
    },
    t('Load reviewed set'),
  );

  replace(
    panel,
    h('p', { class: 'muted small' }, t('From {{file}}', { file: list.pair_file })),
    h(
      'div',
      { class: 'toolbar', role: 'search' },
      h('label', { for: 'pair-status', class: 'inline-label' }, t('Status')),
      statusFilter,
      h('label', { for: 'pair-review', class: 'inline-label' }, t('Review')),
      reviewFilter,
      h('label', { for: 'pair-search', class: 'visually-hidden' }, t('Search questions and SQL')),
      search,
      undo,
      load,
    ),
    // Above the list, where people look for it (not under hundreds of rows).
    addForm,
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
          ['#', t('Question'), t('SQL'), t('Status'), t('Actions')].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      body,
    ),
  );
  render();
}
