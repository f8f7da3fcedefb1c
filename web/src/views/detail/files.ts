/**
 * The task directory's files, grouped (table docs, pairs and validation, review and reuse, run
 * records) and filtered by name: a preview of .ddl, .md, .json and text files — in a pane that
 * stays on screen, or a dialog on a phone —, downloads, and all of them as one archive.
 */
import { api, download, fetchText, taskPath, type TaskFileEntry as FileEntry, type TaskFiles } from '../../api.js';
import { toast } from '../../dialog.js';
import { empty, formatBytes, formatTime, h, loading, replace } from '../../dom.js';
import { t } from '../../i18n/index.js';

const PREVIEWABLE = /\.(ddl|md|json|txt|log|sql|csv)$/i;

/**
 * Groups of files, first match wins; the order is the display order. `name` is the filter's value;
 * `label` is what the reader sees, in the current language.
 */
const GROUPS: { name: string; label: () => string; test: (file: string) => boolean }[] = [
  { name: 'Table docs', label: () => t('Table docs'), test: (f) => /\.ddl$|_detail\.md$|^(filename_mapping\.txt|comments\.sql|table_list\.txt)$/.test(f) },
  {
    name: 'Pairs and validation',
    label: () => t('Pairs and validation'),
    test: (f) => /^qs_.*_pair\.json(\.backup)?$|^sql_validation_|^file_modifications_|^metadata|^db_query_decision_prompt\.txt$/.test(f),
  },
  { name: 'Review and reuse', label: () => t('Review and reuse'), test: (f) => /^(qa_themes|table_fingerprints|comment_edits|pairs_history)\.json$/.test(f) },
  { name: 'Run records', label: () => t('Run records'), test: (f) => /^(task_config|task_result)\.json$|_result\.json$|\.log$/.test(f) },
  { name: 'Other', label: () => t('Other'), test: () => true },
];
const groupOf = (file: string) => (GROUPS.find((g) => g.test(file)) as (typeof GROUPS)[number]).name;
const PHONE = '(max-width: 720px)';
const PREVIEW_LIMIT = 512 * 1024;

export async function renderFiles(panel: HTMLElement, taskId: string, signal: AbortSignal): Promise<void> {
  replace(panel, loading(t('Loading files…')));
  const data = await api<TaskFiles>('GET', `${taskPath(taskId)}/files`, undefined, signal);
  if (data.files.length === 0) {
    replace(panel, empty(t('No files yet: give the task a table list and run it.')));
    return;
  }
  const preview = h('div', { class: 'preview', 'aria-live': 'polite' }, h('p', { class: 'muted' }, t('Choose a file to preview it here.')));
  // On a phone the preview opens as a dialog over the list, where the user is.
  const dialogBody = h('div');
  const dialog = h(
    'dialog',
    { class: 'dialog preview-dialog', 'aria-label': t('File preview') },
    dialogBody,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, t('Close'))),
  );
  const target = () => (window.matchMedia(PHONE).matches ? dialogBody : preview);
  const url = (name: string) => `${taskPath(taskId)}/files/${encodeURIComponent(name)}`;

  const show = async (file: FileEntry) => {
    const into = target();
    if (into === dialogBody && !dialog.open) dialog.showModal();
    if (file.file_size > PREVIEW_LIMIT) {
      replace(into, h('p', {}, t('{{file}} is {{size}}: download it to read it.', { file: file.file_name, size: formatBytes(file.file_size) })));
      return;
    }
    replace(into, loading(t('Loading {{file}}…', { file: file.file_name })));
    let text = await fetchText(url(file.file_name), signal);
    if (/\.json$/i.test(file.file_name)) {
      try {
        text = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // shown as it is
      }
    }
    replace(
      into,
      h('h2', { class: 'step-title' }, file.file_name),
      h('pre', { class: 'file-preview', tabindex: '0', 'aria-label': t('Content of {{file}}', { file: file.file_name }) }, text),
    );
  };

  const nameFilter = h('input', { id: 'file-filter', type: 'search', placeholder: t('File name contains') });
  const groupFilter = h(
    'select',
    { id: 'file-group' },
    h('option', { value: '' }, t('All groups')),
    GROUPS.map((g) => h('option', { value: g.name }, g.label())),
  );
  const body = h('tbody');
  const row = (file: FileEntry) =>
    h(
      'tr',
      {},
      h('td', { 'data-label': t('File'), class: 'file-name' }, file.file_name),
      h('td', { 'data-label': t('Size'), class: 'nowrap' }, formatBytes(file.file_size)),
      h('td', { 'data-label': t('Modified'), class: 'nowrap' }, formatTime(file.modified_at)),
      h(
        'td',
        { 'data-label': t('Actions'), class: 'row-actions' },
        PREVIEWABLE.test(file.file_name)
          ? h(
              'button',
              {
                type: 'button',
                class: 'button small',
                'aria-label': t('Preview {{file}}', { file: file.file_name }),
                onclick: () => void show(file).catch((e: unknown) => toast(String(e), 'error')),
              },
              t('Preview'),
            )
          : null,
        h(
          'button',
          {
            type: 'button',
            class: 'button small',
            'aria-label': t('Download {{file}}', { file: file.file_name }),
            onclick: () => void download(url(file.file_name), file.file_name).catch((e: unknown) => toast(String(e), 'error')),
          },
          t('Download'),
        ),
      ),
    );
  const render = () => {
    const needle = nameFilter.value.trim().toLowerCase();
    const shown = data.files.filter(
      (f) => (!needle || f.file_name.toLowerCase().includes(needle)) && (!groupFilter.value || groupOf(f.file_name) === groupFilter.value),
    );
    replace(
      body,
      shown.length === 0
        ? h('tr', {}, h('td', { colspan: 4 }, t('No file matches the filters.')))
        : GROUPS.flatMap((group) => {
            const files = shown.filter((f) => groupOf(f.file_name) === group.name);
            return files.length
              ? [
                  h(
                    'tr',
                    { class: 'group-row' },
                    h('th', { colspan: 4, scope: 'colgroup' }, t('{{label}} ({{n}})', { label: group.label(), n: files.length })),
                  ),
                  ...files.map(row),
                ]
              : [];
          }),
    );
  };
  nameFilter.addEventListener('input', render);
  groupFilter.addEventListener('change', render);

  replace(
    panel,
    h(
      'div',
      { class: 'toolbar', role: 'search' },
      h(
        'p',
        { class: 'muted' },
        t('{{count}} file(s), {{size}}', { count: data.directory_info.total_files, size: formatBytes(data.directory_info.total_size) }),
      ),
      h('label', { for: 'file-filter', class: 'visually-hidden' }, t('File name contains')),
      nameFilter,
      h('label', { for: 'file-group', class: 'visually-hidden' }, t('File group')),
      groupFilter,
      h(
        'button',
        {
          type: 'button',
          class: 'button',
          onclick: () => void download(`${taskPath(taskId)}/archive`, `${taskId}.zip`).catch((e: unknown) => toast(String(e), 'error')),
        },
        t('Download all (.zip)'),
      ),
    ),
    h(
      'div',
      { class: 'split' },
      h(
        'table',
        { class: 'grid file-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [t('File'), t('Size'), t('Modified'), t('Actions')].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        body,
      ),
      preview,
    ),
    dialog,
  );
  render();
}
