/** The task's file backups: list, diff against the current files, restore and delete (confirmed). */
import { BACKUP_PREFIX } from '../../../../src/backup/backup-names.js';
import { api, taskPath, type BackupDiff, type BackupList } from '../../api.js';
import { confirmAction, toast } from '../../dialog.js';
import { badge, empty, formatBytes, h, loading, replace, statusLabel } from '../../dom.js';
import { t } from '../../i18n/index.js';
import { errorPanel } from '../../ui.js';

/** What made a backup (the API's `execute` or `restore`), as the reader reads it. */
/** A pair's review state in a diff: approved, rejected, or not reviewed. */
function reviewLabel(review: 'approved' | 'rejected' | null): string {
  return statusLabel(review ?? 'unreviewed');
}

function triggerLabel(trigger: string | null | undefined): string {
  switch (trigger) {
    case 'execute':
      return t('execute');
    case 'restore':
      return t('restore');
    default:
      return trigger ?? '—';
  }
}

export async function renderBackups(panel: HTMLElement, taskId: string, signal: AbortSignal, onChange: () => Promise<void>): Promise<void> {
  replace(panel, loading(t('Loading backups…')));
  let data: BackupList;
  try {
    data = await api<BackupList>('GET', `${taskPath(taskId)}/backups`, undefined, signal);
  } catch (error) {
    // A task that never ran has no directory, so no backups: that is not an error to show.
    if ((error as { errorType?: string }).errorType === 'TASK_DIRECTORY_NOT_FOUND') {
      replace(panel, empty(t('No backups: the task has not run yet.')));
      return;
    }
    throw error;
  }
  if (data.backups.length === 0) {
    replace(
      panel,
      empty(t('No backups yet. Running the complete workflow again moves the earlier files into a {{prefix}} folder first.', { prefix: BACKUP_PREFIX })),
    );
    return;
  }
  const details = h('div', { class: 'backup-details', 'aria-live': 'polite' });
  const base = (name: string) => `${taskPath(taskId)}/backups/${encodeURIComponent(name)}`;
  const reload = () => renderBackups(panel, taskId, signal, onChange);

  const showDiff = async (name: string) => {
    replace(details, loading(t('Comparing…')));
    try {
      const diff = await api<BackupDiff>('GET', `${base(name)}/diff`, undefined, signal);
      /** A changed text file's lines, as a unified diff, under its name. */
      const showChanges = async (file: string, into: HTMLElement) => {
        replace(into, loading(t('Comparing {{file}}…', { file })));
        try {
          const changes = await api<{ diff: string }>('GET', `${base(name)}/diff/${encodeURIComponent(file)}`, undefined, signal);
          replace(
            into,
            h('pre', { class: 'file-preview unified-diff', tabindex: '0', 'aria-label': t('Changes of {{file}}', { file }) }, changes.diff || t('No change.')),
          );
        } catch (error) {
          replace(into, errorPanel(error));
        }
      };
      const list = (title: string, files: string[], withChanges = false) =>
        h(
          'div',
          { class: 'diff-group' },
          h('h3', { class: 'step-title' }, t('{{label}} ({{n}})', { label: title, n: files.length })),
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
                            {
                              type: 'button',
                              class: 'button small',
                              'aria-label': t('Show changes of {{file}}', { file: f }),
                              onclick: () => void showChanges(f, changes),
                            },
                            t('Show changes'),
                          ),
                          changes,
                        ]
                      : null,
                  );
                }),
              )
            : h('p', { class: 'muted' }, t('none')),
        );
      /** One kind of pair change, under its heading; nothing when there is none. */
      const pairSection = (title: string, className: string, items: HTMLElement[]) =>
        items.length ? [h('h4', {}, title), h('ul', { class: className }, items)] : null;
      const pairs = diff.pairs;
      const pairDiff = pairs
        ? h(
            'div',
            { class: 'card pair-diff' },
            h('h3', { class: 'step-title' }, t('Pairs: {{current}} against {{backup}}', { current: pairs.current_file, backup: pairs.backup_file })),
            h(
              'p',
              { class: 'muted' },
              t('{{count}} question(s) added, {{removed}} removed, {{changed}} with other SQL, {{reviewed}} reviewed differently, {{unchanged}} unchanged', {
                count: pairs.added.length,
                removed: pairs.removed.length,
                changed: pairs.changed.length,
                reviewed: pairs.review_changed.length,
                unchanged: pairs.unchanged,
              }),
            ),
            pairSection(
              t('Added'),
              'pairs-added',
              pairs.added.map((q) => h('li', {}, q)),
            ),
            pairSection(
              t('Removed'),
              'pairs-removed',
              pairs.removed.map((q) => h('li', {}, q)),
            ),
            pairSection(
              t('SQL changed'),
              'pairs-changed',
              pairs.changed.map((c) => h('li', {}, c.question, h('pre', { class: 'sql' }, `- ${c.backup_sql}\n+ ${c.current_sql}`))),
            ),
            pairSection(
              t('Review changed'),
              'pairs-review-changed',
              pairs.review_changed.map((c) =>
                h('li', {}, c.question, ' ', h('span', { class: 'muted' }, reviewLabel(c.backup_review), ' → ', reviewLabel(c.current_review))),
              ),
            ),
          )
        : null;
      replace(
        details,
        h('h2', { class: 'step-title' }, t('{{name}} against the current files', { name })),
        diff.added.length + diff.removed.length + diff.changed.length === 0
          ? h('p', { class: 'ok' }, t('No difference: the current files are the ones in this backup.'))
          : null,
        h('div', { class: 'diff' }, list(t('Added since'), diff.added), list(t('Removed since'), diff.removed), list(t('Changed'), diff.changed, true)),
        pairDiff,
        h('p', { class: 'muted' }, t('{{n}} file(s) unchanged', { n: diff.unchanged.length })),
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
                  [t('Pair file'), t('Pairs in backup'), t('Pairs now')].map((c) => h('th', { scope: 'col' }, c)),
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
        t('Restore {{name}}?', { name }),
        t('The current files are backed up first (a new {{prefix}} folder), then the files of this backup are copied back. The backup itself stays.', {
          prefix: BACKUP_PREFIX,
        }),
        t('Restore'),
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
      toast(t('Restored {{count}} file(s) from {{name}}', { count: result.restored_files.length, name }));
      await onChange();
      await reload();
    } catch (error) {
      replace(details, errorPanel(error));
    }
  };

  const remove = async (name: string) => {
    if (!(await confirmAction(t('Delete {{name}}?', { name }), t('The backup folder and its files are deleted for good.'), t('Delete backup'), true))) return;
    try {
      await api('DELETE', base(name), undefined, signal);
      toast(t('Deleted {{name}}', { name }));
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
          [t('Backup'), t('Time'), t('Trigger'), t('Files'), t('Size'), t('Status'), t('Actions')].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        data.backups.map((b) =>
          h(
            'tr',
            { 'data-backup': b.name },
            h('td', { 'data-label': t('Backup') }, h('code', {}, b.name)),
            h('td', { 'data-label': t('Time'), class: 'nowrap' }, b.time.replace('T', ' ').slice(0, 19)),
            h('td', { 'data-label': t('Trigger') }, triggerLabel(b.trigger)),
            h('td', { 'data-label': t('Files') }, String(b.file_count)),
            h('td', { 'data-label': t('Size'), class: 'nowrap' }, formatBytes(b.bytes)),
            h('td', { 'data-label': t('Status') }, badge(b.status)),
            h(
              'td',
              { class: 'row-actions' },
              h(
                'button',
                { type: 'button', class: 'button small', 'aria-label': t('Diff {{name}}', { name: b.name }), onclick: () => void showDiff(b.name) },
                t('Diff'),
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'button small',
                  'aria-label': t('Restore {{name}}', { name: b.name }),
                  disabled: !b.valid,
                  onclick: () => void restore(b.name),
                },
                t('Restore'),
              ),
              h(
                'button',
                { type: 'button', class: 'button small danger', 'aria-label': t('Delete {{name}}', { name: b.name }), onclick: () => void remove(b.name) },
                t('Delete'),
              ),
            ),
          ),
        ),
      ),
    ),
    details,
  );
}
