/**
 * The documented tables with their comments, edited in place (PATCH /tasks/{id}/tables/{table}):
 * the table comment and each column's comment; the files are rewritten and later runs keep the edit.
 */
import { api, type DocumentedTables, taskPath } from '../../api.js';
import { toast } from '../../dialog.js';
import { empty, h, loading, replace } from '../../dom.js';
import { t } from '../../i18n/index.js';
import { errorPanel } from '../../ui.js';

type DocumentedTable = DocumentedTables['tables'][number];

function tableCard(taskId: string, table: DocumentedTable, signal: AbortSignal, redraw: () => void): HTMLElement {
  const slug = table.table.replace(/[^A-Za-z0-9_-]/g, '_');
  const tableInput = h('input', { type: 'text', id: `comment-${slug}`, value: table.table_comment ?? '', maxlength: 2000 });
  const columnInputs = table.columns.map((c) => ({
    name: c.name,
    before: c.comment,
    input: h('input', { type: 'text', id: `comment-${slug}-${c.name.replace(/[^A-Za-z0-9_-]/g, '_')}`, value: c.comment, maxlength: 2000 }),
  }));
  const save = h('button', { type: 'submit', class: 'button primary' }, t('Save comments'));
  const tablePath = `${taskPath(taskId)}/tables/${encodeURIComponent(table.table)}`;
  /** Takes one field's edit back (null): the generated comment returns in every file. */
  const revert = (label: string, body: { table_comment?: null; columns?: Record<string, null> }) =>
    h(
      'button',
      {
        type: 'button',
        class: 'button small',
        'aria-label': label,
        title: label,
        onclick: async (event: Event) => {
          (event.currentTarget as HTMLButtonElement).disabled = true;
          try {
            await api('PATCH', tablePath, body, signal);
            toast(t('Generated comment restored'));
            redraw();
          } catch (error) {
            toast(error instanceof Error ? error.message : String(error), 'error');
            (event.currentTarget as HTMLButtonElement | null)?.removeAttribute('disabled');
          }
        },
      },
      t('Use generated'),
    );
  const editedColumns = new Set(table.edited_columns);
  return h(
    'form',
    {
      class: 'card table-doc',
      'data-table': table.table,
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const body: { table_comment?: string; columns?: Record<string, string> } = {};
        if (tableInput.value.trim() !== (table.table_comment ?? '')) body.table_comment = tableInput.value;
        const columns = Object.fromEntries(columnInputs.filter((c) => c.input.value.trim() !== c.before).map((c) => [c.name, c.input.value]));
        if (Object.keys(columns).length) body.columns = columns;
        // A comment cannot be emptied: the way back from an edit is the generated comment.
        if ((tableInput.value.trim() === '' && table.table_comment) || columnInputs.some((c) => c.input.value.trim() === '' && c.before)) {
          toast(t('A comment cannot be empty: to take an edit back, use “Use generated”.'), 'error');
          return;
        }
        if (!body.table_comment && !body.columns) {
          toast(t('Nothing changed'));
          return;
        }
        save.disabled = true;
        try {
          await api('PATCH', tablePath, body, signal);
          toast(t('Comments of {{table}} saved: its .ddl, _detail.md and comments.sql are rewritten', { table: table.table }));
          redraw();
        } catch (error) {
          toast(error instanceof Error ? error.message : String(error), 'error');
          save.disabled = false;
        }
      },
    },
    h(
      'h2',
      { class: 'step-title' },
      table.table,
      table.edited ? h('span', { class: 'badge', title: t('kept in comment_edits.json: later runs keep it') }, t('edited')) : null,
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: tableInput.id }, t('Table comment')),
      h(
        'div',
        { class: 'input-with-action' },
        tableInput,
        table.table_comment_edited ? revert(t('Use generated table comment'), { table_comment: null }) : null,
      ),
    ),
    h(
      'table',
      { class: 'grid column-comments' },
      h('caption', { class: 'visually-hidden' }, t('Columns of {{table}}', { table: table.table })),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('Column')), h('th', { scope: 'col' }, t('Comment')))),
      h(
        'tbody',
        {},
        columnInputs.map((c) =>
          h(
            'tr',
            {},
            h('td', { 'data-label': t('Column') }, h('label', { for: c.input.id }, h('code', {}, c.name))),
            h(
              'td',
              { 'data-label': t('Comment') },
              h(
                'div',
                { class: 'input-with-action' },
                c.input,
                editedColumns.has(c.name) ? revert(t('Use generated comment of {{column}}', { column: c.name }), { columns: { [c.name]: null } }) : null,
              ),
            ),
          ),
        ),
      ),
    ),
    h('div', { class: 'actions' }, save),
  );
}

export async function renderTables(panel: HTMLElement, taskId: string, signal: AbortSignal): Promise<void> {
  replace(panel, loading(t('Loading the documented tables…')));
  const data = await api<DocumentedTables>('GET', `${taskPath(taskId)}/tables`, undefined, signal);
  if (data.tables.length === 0) {
    replace(panel, empty(t('No documented table yet: they come from the ddl_generation step.')));
    return;
  }
  const redraw = () => void renderTables(panel, taskId, signal).catch((error: unknown) => replace(panel, errorPanel(error)));
  replace(
    panel,
    h(
      'p',
      { class: 'muted small' },
      t('Fix what the generated comments got wrong: the files are rewritten, later steps use the text, and later runs keep it.'),
    ),
    data.tables.map((table) => tableCard(taskId, table, signal, redraw)),
  );
}
