/** The Tables tab. (web/src/views/detail/tables.ts) */
import type { Catalog } from './types.js';

export const tables: Catalog = {
  zh: {
    'Save comments': '保存注释',
    'Generated comment restored': '已恢复生成的注释',
    'Use generated': '恢复为生成的注释',
    'Use generated table comment': '恢复为生成的注释（表注释）',
    'Use generated comment of {{column}}': '恢复为生成的注释（{{column}}）',
    'Nothing changed': '没有修改',
    'A comment cannot be empty: to take an edit back, use “Use generated”.': '注释不能为空：要撤回修改，请使用“恢复为生成的注释”。',
    'Comments of {{table}} saved: its .ddl, _detail.md and comments.sql are rewritten': '{{table}} 的注释已保存：已重写其 .ddl、_detail.md 和 comments.sql',
    'kept in comment_edits.json: later runs keep it': '记录在 comment_edits.json 中：以后的运行会保留',
    edited: '已编辑',
    'Table comment': '表注释',
    'Columns of {{table}}': '{{table}} 的列',
    Column: '列',
    Comment: '注释',
    'Loading the documented tables…': '正在加载表文档…',
    'No documented table yet: they come from the ddl_generation step.': '还没有表文档：表文档由 ddl_generation 步骤生成。',
    'Fix what the generated comments got wrong: the files are rewritten, later steps use the text, and later runs keep it.':
      '修正生成的注释中的错误：文件会随之重写，后续步骤使用修改后的文本，以后的运行也会保留。',
  },
  en: {},
};
