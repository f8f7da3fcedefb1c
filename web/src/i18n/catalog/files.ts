/** The Files tab. (web/src/views/detail/files.ts) */
import type { Catalog } from './types.js';

export const files: Catalog = {
  zh: {},
  en: {},
};
