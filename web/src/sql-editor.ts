/** A SQL editor (CodeMirror 6 with PostgreSQL highlighting) for the pairs review. */
import { PostgreSQL, sql } from '@codemirror/lang-sql';
import { EditorState } from '@codemirror/state';
import { basicSetup, EditorView } from 'codemirror';
import { currentLocale } from './i18n/index.js';

/** CodeMirror's own words (its search panel, completion list, folding) in Chinese; its keys are its English phrases. */
const ZH_PHRASES: Record<string, string> = {
  Completions: '补全',
  Find: '查找',
  Replace: '替换',
  next: '下一个',
  previous: '上一个',
  all: '全部',
  'match case': '区分大小写',
  regexp: '正则表达式',
  'by word': '全词匹配',
  replace: '替换',
  'replace all': '全部替换',
  close: '关闭',
  'current match': '当前匹配',
  'on line': '所在行',
  'Go to line': '跳转到行',
  go: '跳转',
  'Folded lines': '已折叠的行',
  'Unfolded lines': '已展开的行',
  to: '至',
  'folded code': '已折叠的代码',
  unfold: '展开',
  'Fold line': '折叠行',
  'Unfold line': '展开行',
  'Control character': '控制字符',
  'Selection deleted': '已删除选中内容',
};

export interface SqlEditor {
  readonly element: HTMLElement;
  value(): string;
  focus(): void;
  destroy(): void;
}

export function createSqlEditor(doc: string, label: string): SqlEditor {
  const element = document.createElement('div');
  element.className = 'sql-editor';
  const view = new EditorView({
    doc,
    parent: element,
    extensions: [
      basicSetup,
      sql({ dialect: PostgreSQL }),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({ 'aria-label': label }),
      currentLocale() === 'zh-CN' ? EditorState.phrases.of(ZH_PHRASES) : [],
      // The page's Content-Security-Policy admits styles with this nonce only (server/web-console.ts).
      EditorView.cspNonce.of(document.querySelector<HTMLMetaElement>('meta[name="dp-style-nonce"]')?.content ?? ''),
    ],
  });
  return {
    element,
    // Typing into the editable area can leave no-break spaces (U+00A0) where spaces were meant.
    value: () => view.state.doc.toString().replace(/\u00a0/g, ' '),
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}
