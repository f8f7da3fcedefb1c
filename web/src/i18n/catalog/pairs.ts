/** The Pairs tab. (web/src/views/detail/pairs.ts, web/src/sql-editor.ts) */
import type { Catalog } from './types.js';

export const pairs: Catalog = {
  zh: {},
  en: {},
};
