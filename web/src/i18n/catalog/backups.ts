/** The Backups tab. (web/src/views/detail/backups.ts) */
import type { Catalog } from './types.js';

export const backups: Catalog = {
  zh: {
    execute: '运行',
    restore: '恢复',
    'Loading backups…': '正在加载备份…',
    'No backups: the task has not run yet.': '没有备份：任务尚未运行。',
    'No backups yet. Running the complete workflow again moves the earlier files into a {{prefix}} folder first.':
      '还没有备份。再次运行完整流程时，会先把之前的文件移到一个 {{prefix}} 文件夹中。',
    'Comparing…': '正在对比…',
    'Comparing {{file}}…': '正在对比 {{file}}…',
    'Changes of {{file}}': '{{file}} 的差异',
    'No change.': '没有差异。',
    'Show changes of {{file}}': '查看 {{file}} 的差异',
    'Show changes': '查看差异',
    none: '无',
    'Pairs: {{current}} against {{backup}}': '问答对：{{current}} 对比 {{backup}}',
    '{{count}} question(s) added, {{removed}} removed, {{changed}} with other SQL, {{reviewed}} reviewed differently, {{unchanged}} unchanged':
      '新增 {{count}} 个问题，删除 {{removed}} 个，SQL 修改 {{changed}} 个，审核状态变化 {{reviewed}} 个，未变 {{unchanged}} 个',
    'Review changed': '审核状态变化',
    Added: '新增',
    Removed: '删除',
    'SQL changed': 'SQL 已修改',
    '{{name}} against the current files': '{{name}} 对比当前文件',
    'No difference: the current files are the ones in this backup.': '没有差异：当前文件与此备份中的文件相同。',
    'Added since': '此后新增',
    'Removed since': '此后删除',
    Changed: '已修改',
    '{{n}} file(s) unchanged': '{{n}} 个文件未变',
    'Pair file': '问答对文件',
    'Pairs in backup': '备份中的问答对',
    'Pairs now': '当前问答对',
    'Restore {{name}}?': '恢复 {{name}}？',
    'The current files are backed up first (a new {{prefix}} folder), then the files of this backup are copied back. The backup itself stays.':
      '先备份当前文件（新建一个 {{prefix}} 文件夹），再把此备份中的文件复制回来。备份本身保留。',
    Restore: '恢复',
    'Restored {{count}} file(s) from {{name}}': '已从 {{name}} 恢复 {{count}} 个文件',
    'Delete {{name}}?': '删除 {{name}}？',
    'The backup folder and its files are deleted for good.': '备份文件夹及其中的文件将被永久删除。',
    'Delete backup': '删除备份',
    'Deleted {{name}}': '已删除 {{name}}',
    Backup: '备份',
    Time: '时间',
    Trigger: '触发方式',
    Files: '文件',
    'Diff {{name}}': '对比 {{name}}',
    Diff: '对比',
    'Restore {{name}}': '恢复 {{name}}',
    'Delete {{name}}': '删除 {{name}}',
  },
  en: {
    '{{count}} question(s) added, {{removed}} removed, {{changed}} with other SQL, {{reviewed}} reviewed differently, {{unchanged}} unchanged_one':
      '{{count}} question added, {{removed}} removed, {{changed}} with other SQL, {{reviewed}} reviewed differently, {{unchanged}} unchanged',
    'Restored {{count}} file(s) from {{name}}_one': 'Restored {{count}} file from {{name}}',
  },
};
