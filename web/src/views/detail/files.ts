/** The task directory's files: a preview of .ddl, .md, .json and text files, and downloads. */
import { api, download, fetchText, taskPath, type TaskFileEntry as FileEntry, type TaskFiles } from '../../api.js';
import { toast } from '../../dialog.js';
import { empty, formatBytes, formatTime, h, loading, replace } from '../../dom.js';

const PREVIEWABLE = /\.(ddl|md|json|txt|log|sql|csv)$/i;
const PREVIEW_LIMIT = 512 * 1024;

export async function renderFiles(panel: HTMLElement, taskId: string, signal: AbortSignal): Promise<void> {
  replace(panel, loading('Loading files…'));
  const data = await api<TaskFiles>('GET', `${taskPath(taskId)}/files`, undefined, signal);
  if (data.files.length === 0) {
    replace(panel, empty('No files yet: give the task a table list and run it.'));
    return;
  }
  const preview = h('div', { class: 'preview', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Choose a file to preview it here.'));
  const url = (name: string) => `${taskPath(taskId)}/files/${encodeURIComponent(name)}`;

  const show = async (file: FileEntry) => {
    if (file.file_size > PREVIEW_LIMIT) {
      replace(preview, h('p', {}, `${file.file_name} is ${formatBytes(file.file_size)}: download it to read it.`));
      return;
    }
    replace(preview, loading(`Loading ${file.file_name}…`));
    let text = await fetchText(url(file.file_name), signal);
    if (/\.json$/i.test(file.file_name)) {
      try {
        text = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // shown as it is
      }
    }
    replace(
      preview,
      h('h2', { class: 'step-title' }, file.file_name),
      h('pre', { class: 'file-preview', tabindex: '0', 'aria-label': `Content of ${file.file_name}` }, text),
    );
  };

  replace(
    panel,
    h('p', { class: 'muted' }, `${data.directory_info.total_files} file(s), ${formatBytes(data.directory_info.total_size)}`),
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
            ['File', 'Size', 'Modified', 'Actions'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          data.files.map((file) =>
            h(
              'tr',
              {},
              h('td', { 'data-label': 'File', class: 'file-name' }, file.file_name),
              h('td', { 'data-label': 'Size', class: 'nowrap' }, formatBytes(file.file_size)),
              h('td', { 'data-label': 'Modified', class: 'nowrap' }, formatTime(file.modified_at)),
              h(
                'td',
                { class: 'row-actions' },
                PREVIEWABLE.test(file.file_name)
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'button small',
                        'aria-label': `Preview ${file.file_name}`,
                        onclick: () => void show(file).catch((e: unknown) => toast(String(e), 'error')),
                      },
                      'Preview',
                    )
                  : null,
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'button small',
                    'aria-label': `Download ${file.file_name}`,
                    onclick: () => void download(url(file.file_name), file.file_name).catch((e: unknown) => toast(String(e), 'error')),
                  },
                  'Download',
                ),
              ),
            ),
          ),
        ),
      ),
      preview,
    ),
  );
}
