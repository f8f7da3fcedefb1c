/** The Backups tab. (web/src/views/detail/backups.ts) */
import type { Catalog } from './types.js';

export const backups: Catalog = {
  zh: {},
  en: {},
};
