/** The task page: header, tabs, overview, logs, runs, drift. (web/src/views/task-detail.ts, views/detail/{overview,logs,runs,drift}.ts) */
import type { Catalog } from './types.js';

export const taskDetail: Catalog = {
  zh: {},
  en: {},
};
