/** The task list. (web/src/views/task-list.ts) */
import type { Catalog } from './types.js';

export const taskList: Catalog = {
  zh: {},
  en: {},
};
