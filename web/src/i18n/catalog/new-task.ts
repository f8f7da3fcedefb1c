/** The new-task form. (web/src/views/new-task.ts) */
import type { Catalog } from './types.js';

export const newTask: Catalog = {
  zh: {},
  en: {},
};
