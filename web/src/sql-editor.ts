/** A SQL editor (CodeMirror 6 with PostgreSQL highlighting) for the pairs review. */
import { PostgreSQL, sql } from '@codemirror/lang-sql';
import { basicSetup, EditorView } from 'codemirror';

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
