/** The Tables tab. (web/src/views/detail/tables.ts) */
import type { Catalog } from './types.js';

export const tables: Catalog = {
  zh: {},
  en: {},
};
