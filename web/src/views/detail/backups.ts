/** The task's file backups: list, diff against the current files, restore and delete (confirmed). */
import { BACKUP_PREFIX } from '../../../../src/backup/backup-names.js';
import { api, taskPath, type BackupDiff, type BackupList } from '../../api.js';
import { confirmAction, toast } from '../../dialog.js';
import { badge, empty, formatBytes, h, loading, replace } from '../../dom.js';
import { errorPanel } from '../../ui.js';

export async function renderBackups(panel: HTMLElement, taskId: string, signal: AbortSignal, onChange: () => Promise<void>): Promise<void> {
  replace(panel, loading('Loading backups…'));
  let data: BackupList;
  try {
    data = await api<BackupList>('GET', `${taskPath(taskId)}/backups`, undefined, signal);
  } catch (error) {
    // A task that never ran has no directory, so no backups: that is not an error to show.
    if ((error as { errorType?: string }).errorType === 'TASK_DIRECTORY_NOT_FOUND') {
      replace(panel, empty('No backups: the task has not run yet.'));
      return;
    }
    throw error;
  }
  if (data.backups.length === 0) {
    replace(panel, empty(`No backups yet. Running the complete workflow again moves the earlier files into a ${BACKUP_PREFIX} folder first.`));
    return;
  }
  const details = h('div', { class: 'backup-details', 'aria-live': 'polite' });
  const base = (name: string) => `${taskPath(taskId)}/backups/${encodeURIComponent(name)}`;
  const reload = () => renderBackups(panel, taskId, signal, onChange);

  const showDiff = async (name: string) => {
    replace(details, loading('Comparing…'));
    try {
      const diff = await api<BackupDiff>('GET', `${base(name)}/diff`, undefined, signal);
      /** A changed text file's lines, as a unified diff, under its name. */
      const showChanges = async (file: string, into: HTMLElement) => {
        replace(into, loading(`Comparing ${file}…`));
        try {
          const changes = await api<{ diff: string }>('GET', `${base(name)}/diff/${encodeURIComponent(file)}`, undefined, signal);
          replace(into, h('pre', { class: 'file-preview unified-diff', tabindex: '0', 'aria-label': `Changes of ${file}` }, changes.diff || 'No change.'));
        } catch (error) {
          replace(into, errorPanel(error));
        }
      };
      const list = (title: string, files: string[], withChanges = false) =>
        h(
          'div',
          { class: 'diff-group' },
          h('h3', { class: 'step-title' }, `${title} (${files.length})`),
          files.length
            ? h(
                'ul',
                {},
                files.map((f) => {
                  const changes = h('div');
                  return h(
                    'li',
                    {},
                    f,
                    withChanges && /\.(ddl|md|json|txt|sql|log)$/i.test(f)
                      ? [
                          ' ',
                          h(
                            'button',
                            { type: 'button', class: 'button small', 'aria-label': `Show changes of ${f}`, onclick: () => void showChanges(f, changes) },
                            'Show changes',
                          ),
                          changes,
                        ]
                      : null,
                  );
                }),
              )
            : h('p', { class: 'muted' }, 'none'),
        );
      /** One kind of pair change, under its heading; nothing when there is none. */
      const pairSection = (title: string, className: string, items: HTMLElement[]) =>
        items.length ? [h('h4', {}, title), h('ul', { class: className }, items)] : null;
      const pairs = diff.pairs;
      const pairDiff = pairs
        ? h(
            'div',
            { class: 'card pair-diff' },
            h('h3', { class: 'step-title' }, `Pairs: ${pairs.current_file} against ${pairs.backup_file}`),
            h(
              'p',
              { class: 'muted' },
              `${pairs.added.length} question(s) added, ${pairs.removed.length} removed, ${pairs.changed.length} with other SQL, ${pairs.unchanged} unchanged`,
            ),
            pairSection(
              'Added',
              'pairs-added',
              pairs.added.map((q) => h('li', {}, q)),
            ),
            pairSection(
              'Removed',
              'pairs-removed',
              pairs.removed.map((q) => h('li', {}, q)),
            ),
            pairSection(
              'SQL changed',
              'pairs-changed',
              pairs.changed.map((c) => h('li', {}, c.question, h('pre', { class: 'sql' }, `- ${c.backup_sql}\n+ ${c.current_sql}`))),
            ),
          )
        : null;
      replace(
        details,
        h('h2', { class: 'step-title' }, `${name} against the current files`),
        diff.added.length + diff.removed.length + diff.changed.length === 0
          ? h('p', { class: 'ok' }, 'No difference: the current files are the ones in this backup.')
          : null,
        h('div', { class: 'diff' }, list('Added since', diff.added), list('Removed since', diff.removed), list('Changed', diff.changed, true)),
        pairDiff,
        h('p', { class: 'muted' }, `${diff.unchanged.length} unchanged`),
        diff.pair_files.length
          ? h(
              'table',
              { class: 'grid' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Pair file', 'Pairs in backup', 'Pairs now'].map((c) => h('th', { scope: 'col' }, c)),
                ),
              ),
              h(
                'tbody',
                {},
                diff.pair_files.map((p) => h('tr', {}, h('td', {}, p.file), h('td', {}, p.backup_pairs ?? '—'), h('td', {}, p.current_pairs ?? '—'))),
              ),
            )
          : null,
      );
    } catch (error) {
      replace(details, errorPanel(error));
    }
  };

  const restore = async (name: string) => {
    if (
      !(await confirmAction(
        `Restore ${name}?`,
        `The current files are backed up first (a new ${BACKUP_PREFIX} folder), then the files of this backup are copied back. The backup itself stays.`,
        'Restore',
      ))
    )
      return;
    try {
      const result = await api<{ restored_files: string[]; pre_restore_backup: { backup_directory?: string | null } }>(
        'POST',
        `${base(name)}/restore`,
        {},
        signal,
      );
      toast(`Restored ${result.restored_files.length} file(s) from ${name}`);
      await onChange();
      await reload();
    } catch (error) {
      replace(details, errorPanel(error));
    }
  };

  const remove = async (name: string) => {
    if (!(await confirmAction(`Delete ${name}?`, 'The backup folder and its files are deleted for good.', 'Delete backup', true))) return;
    try {
      await api('DELETE', base(name), undefined, signal);
      toast(`Deleted ${name}`);
      await reload();
    } catch (error) {
      replace(details, errorPanel(error));
    }
  };

  replace(
    panel,
    h(
      'table',
      { class: 'grid backup-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Backup', 'Time', 'Trigger', 'Files', 'Size', 'Status', 'Actions'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        data.backups.map((b) =>
          h(
            'tr',
            { 'data-backup': b.name },
            h('td', { 'data-label': 'Backup' }, h('code', {}, b.name)),
            h('td', { 'data-label': 'Time', class: 'nowrap' }, b.time.replace('T', ' ').slice(0, 19)),
            h('td', { 'data-label': 'Trigger' }, b.trigger ?? '—'),
            h('td', { 'data-label': 'Files' }, String(b.file_count)),
            h('td', { 'data-label': 'Size', class: 'nowrap' }, formatBytes(b.bytes)),
            h('td', { 'data-label': 'Status' }, badge(b.status)),
            h(
              'td',
              { class: 'row-actions' },
              h('button', { type: 'button', class: 'button small', 'aria-label': `Diff ${b.name}`, onclick: () => void showDiff(b.name) }, 'Diff'),
              h(
                'button',
                { type: 'button', class: 'button small', 'aria-label': `Restore ${b.name}`, disabled: !b.valid, onclick: () => void restore(b.name) },
                'Restore',
              ),
              h('button', { type: 'button', class: 'button small danger', 'aria-label': `Delete ${b.name}`, onclick: () => void remove(b.name) }, 'Delete'),
            ),
          ),
        ),
      ),
    ),
    details,
  );
}
