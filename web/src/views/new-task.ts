/**
 * A new task: the connection (tested against /api/v0/database/tables), the tables (picked from the
 * database with search and select-all, or a table_list.txt upload), the business context and the
 * execution options. Creates the task, gives it its table list, and optionally runs it.
 */
import { RUN_OPTIONS, TASK_OPTION_NAMES, type RunOption } from '../../../src/workflow/run-options.js';
import { api, taskPath, TASKS } from '../api.js';
import { confirmAction, toast } from '../dialog.js';
import { h, loading, replace, uid } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorPanel, navigate } from '../ui.js';

interface Option {
  name: string;
  label: string;
  checked: boolean;
}

/** An option's label in the current language; the schema's English label for an option not listed here. */
function optionLabel(name: string, english: string): string {
  switch (name) {
    case 'overwrite_comments':
      return t('Replace existing database comments');
    case 'enable_sql_validation':
      return t('Validate the SQL of every pair');
    case 'enable_llm_repair':
      return t('Ask the LLM to repair failing SQL');
    case 'modify_original_file':
      return t('Write repaired SQL back to the pair file');
    case 'execute_check':
      return t('Run each valid SQL and flag empty results and unknown values');
    case 'enable_training_data_load':
      return t('Load the results into the vector store');
    default:
      return english;
  }
}

/** The task's own options, from the options schema the API and the CLI use too (booleans; the language has its own field). */
function taskOptions(): Option[] {
  return TASK_OPTION_NAMES.flatMap((name) => {
    const spec: RunOption = RUN_OPTIONS[name];
    return spec.kind === 'boolean' ? [{ name, label: optionLabel(name, spec.label), checked: spec.default }] : [];
  });
}

function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || uid('field');
  control.id = id;
  const hintId = hint ? `${id}-hint` : undefined;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('p', { id: hintId, class: 'hint' }, hint) : null);
}

/** What the bundled sample is about: used when the sample is chosen and no context is written. */
const SAMPLE_CONTEXT = 'Outdoor gear retailer: products, stores, customers and orders';
/** The same, as the placeholder shows it in the current language (the API still gets SAMPLE_CONTEXT). */
const sampleContextHint = () => t('Outdoor gear retailer: products, stores, customers and orders');

export async function renderNewTask(root: HTMLElement, signal: AbortSignal): Promise<void> {
  const name = h('input', { id: 'task-name', type: 'text', maxlength: 200, placeholder: t('e.g. Sales database, March') });
  const connection = h('input', { id: 'db-connection', type: 'text', value: 'sample', maxlength: 2000, autocomplete: 'off', spellcheck: 'false' });
  const testButton = h('button', { type: 'button', class: 'button' }, t('Test connection'));
  const connectionStatus = h('div', { class: 'connection-status', 'aria-live': 'polite' });
  // A hint, not a value: a context written for the sample would mislead the LLM about another database.
  const context = h('textarea', { id: 'business-context', rows: 3, maxlength: 20000, placeholder: t('e.g. {{example}}', { example: sampleContextHint() }) });
  const language = h('select', { id: 'language' }, h('option', { value: 'en', lang: 'en' }, 'English'), h('option', { value: 'zh', lang: 'zh' }, '中文'));
  const optionBoxes = taskOptions().map((o) => ({ option: o, input: h('input', { type: 'checkbox', id: `opt-${o.name}`, checked: o.checked }) }));

  // The table picker.
  const search = h('input', { id: 'table-search', type: 'search', placeholder: t('Filter tables'), disabled: true });
  const selectAll = h('input', { id: 'select-all', type: 'checkbox', disabled: true });
  const pickerList = h(
    'div',
    { class: 'picker-list', role: 'group', 'aria-label': t('Tables') },
    h('p', { class: 'muted' }, t('Test the connection to list its tables.')),
  );
  const pickedCount = h('p', { class: 'muted', 'aria-live': 'polite' }, t('{{count}} tables selected', { count: 0 }));
  const upload = h('input', { id: 'table-list-file', type: 'file', accept: '.txt,text/plain' });
  let tables: string[] = [];
  const picked = new Set<string>();

  const visibleTables = () => {
    const needle = search.value.trim().toLowerCase();
    return needle ? tables.filter((table) => table.toLowerCase().includes(needle)) : tables;
  };
  const updateCount = () => {
    const visible = visibleTables();
    pickedCount.textContent = t('{{count}} tables selected', { count: picked.size });
    selectAll.checked = visible.length > 0 && visible.every((table) => picked.has(table));
    selectAll.indeterminate = !selectAll.checked && visible.some((table) => picked.has(table));
  };
  const renderPicker = () => {
    const visible = visibleTables();
    replace(
      pickerList,
      visible.length === 0
        ? h('p', { class: 'muted' }, tables.length ? t('No table matches the filter.') : t('This database has no tables.'))
        : visible.map((table) => {
            const id = uid('table');
            const box = h('input', {
              type: 'checkbox',
              id,
              value: table,
              checked: picked.has(table),
              onchange: (e: Event) => {
                if ((e.target as HTMLInputElement).checked) picked.add(table);
                else picked.delete(table);
                updateCount();
              },
            });
            return h('div', { class: 'picker-row' }, box, h('label', { for: id }, table));
          }),
    );
    updateCount();
  };
  search.addEventListener('input', renderPicker);
  selectAll.addEventListener('change', () => {
    for (const table of visibleTables()) {
      if (selectAll.checked) picked.add(table);
      else picked.delete(table);
    }
    renderPicker();
  });

  // The picker always shows the tables of the connection that tested good; another connection
  // (typed, or failing its test) empties it, and Create waits for a good test.
  let testedConnection: string | undefined;
  const forgetTables = (message: string) => {
    testedConnection = undefined;
    tables = [];
    picked.clear();
    search.disabled = true;
    selectAll.disabled = true;
    replace(pickerList, h('p', { class: 'muted' }, message));
    updateCount();
    syncCreate();
  };
  const testConnection = async () => {
    testButton.disabled = true;
    const tested = connection.value.trim();
    forgetTables(t('Testing the connection…'));
    replace(connectionStatus, loading(t('Connecting…')));
    try {
      const data = await api<{ tables: string[]; total: number }>('POST', '/api/v0/database/tables', { db_connection: tested }, signal);
      if (connection.value.trim() !== tested) return;
      tables = data.tables;
      testedConnection = tested;
      replace(connectionStatus, h('p', { class: 'ok' }, t('Connected: {{count}} tables.', { count: data.total })));
      search.disabled = false;
      selectAll.disabled = tables.length === 0;
      renderPicker();
      syncCreate();
    } catch (error) {
      replace(connectionStatus, errorPanel(error));
      forgetTables(t('The connection test failed: fix it and test again to list its tables.'));
    } finally {
      testButton.disabled = false;
    }
  };
  connection.addEventListener('input', () => {
    if (connection.value.trim() !== testedConnection && testedConnection !== undefined) {
      replace(connectionStatus, h('p', { class: 'muted' }, t('The connection changed: test it to list its tables.')));
      forgetTables(t('Test the connection to list its tables.'));
    }
  });
  testButton.addEventListener('click', () => void testConnection());
  // Enter in these fields does what the field is for, never submits (creates) the task.
  connection.addEventListener('keydown', (event: KeyboardEvent) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    void testConnection();
  });
  search.addEventListener('keydown', (event: KeyboardEvent) => {
    if (event.key === 'Enter') event.preventDefault();
  });

  const formError = h('div', { 'aria-live': 'assertive' });
  const createButton = h('button', { type: 'submit', class: 'button', value: 'create', disabled: true }, t('Create task'));
  const runButton = h('button', { type: 'submit', class: 'button primary', value: 'run', disabled: true }, t('Create and run'));
  function syncCreate(): void {
    createButton.disabled = runButton.disabled = testedConnection === undefined;
  }

  // Set once the task exists: a retry after a failed table list does not create a second task.
  let createdId: string | undefined;

  const submit = async (run: boolean) => {
    replace(formError);
    const file = upload.files?.[0];
    if (testedConnection === undefined || testedConnection !== connection.value.trim()) {
      replace(formError, errorPanel(new Error(t('Test the connection first: a task is created only for a connection that tested good.'))));
      return;
    }
    const isSample = testedConnection === 'sample';
    if (!isSample && !context.value.trim()) {
      replace(
        formError,
        errorPanel(new Error(t('Business context: say what this database is about (the LLM reads it); it is required for your own database.'))),
      );
      context.focus();
      return;
    }
    if (!file && picked.size === 0) {
      replace(formError, errorPanel(new Error(t('Pick at least one table, or upload a table_list.txt.'))));
      return;
    }
    if (
      file &&
      picked.size > 0 &&
      !(await confirmAction(
        t('Use the uploaded file?'),
        t('Both a file ({{file}}) and {{picked}} picked tables are given: the file will be used.', { file: file.name, picked: picked.size }),
        t('Use the file'),
      ))
    )
      return;
    createButton.disabled = runButton.disabled = true;
    try {
      if (!createdId) {
        const body: Record<string, unknown> = {
          task_name: name.value.trim() || undefined,
          db_connection: connection.value.trim(),
          business_context: context.value.trim() || (isSample ? SAMPLE_CONTEXT : undefined),
          language: language.value,
        };
        for (const { option, input } of optionBoxes) body[option.name] = input.checked;
        createdId = (await api<{ task_id: string }>('POST', TASKS, body, signal)).task_id;
      }
      const id = createdId;
      if (file) {
        const form = new FormData();
        form.append('file', file, file.name);
        await api('POST', `${taskPath(id)}/upload-table-list`, form, signal);
      } else {
        await api('POST', `${taskPath(id)}/table-list`, { tables: [...picked] }, signal);
      }
      if (run) {
        await api('POST', `${taskPath(id)}/execute`, { execution_mode: 'complete' }, signal);
        toast(t('Task {{id}} created and started', { id }));
      } else {
        toast(t('Task {{id}} created', { id }));
      }
      navigate(`#/tasks/${encodeURIComponent(id)}`);
    } catch (error) {
      replace(
        formError,
        errorPanel(error),
        createdId
          ? h(
              'p',
              {},
              t('Task {{id}} was created; submitting again gives it its table list (it is not created twice), or open it: ', { id: createdId }),
              h('a', { href: `#/tasks/${encodeURIComponent(createdId)}` }, createdId),
            )
          : null,
      );
    } finally {
      syncCreate();
    }
  };

  const form = h(
    'form',
    {
      class: 'form',
      novalidate: true,
      onsubmit: (event: Event) => {
        event.preventDefault();
        const submitter = (event as SubmitEvent).submitter as HTMLButtonElement | null;
        void submit(submitter?.value === 'run');
      },
    },
    h(
      'fieldset',
      {},
      h('legend', {}, t('Database')),
      field(t('Connection'), connection, t('A postgresql:// URL, or "sample" for the bundled sample database. Passwords are never shown back.')),
      h('div', { class: 'row' }, testButton),
      connectionStatus,
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, t('Tables')),
      h(
        'div',
        { class: 'row' },
        h('label', { for: 'table-search', class: 'visually-hidden' }, t('Filter tables')),
        search,
        h('span', { class: 'check' }, selectAll, h('label', { for: 'select-all' }, t('Select all shown'))),
      ),
      pickerList,
      pickedCount,
      field(t('…or upload a table_list.txt'), upload, t('One or more names per line (schema.table), # comments allowed.')),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, t('Task')),
      field(t('Name'), name),
      field(t('Business context'), context, t('What the database is about; given to the LLM. Required for your own database (the sample has its own).')),
      field(t('Language'), language),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, t('Execution options')),
      optionBoxes.map(({ option, input }) => h('div', { class: 'check' }, input, h('label', { for: input.id }, option.label))),
    ),
    formError,
    h('div', { class: 'actions' }, createButton, runButton),
  );
  replace(root, h('div', { class: 'page-head' }, h('h1', {}, t('New task'))), form);
  // The default connection is the bundled sample: list its tables at once.
  await testConnection();
}
