/** Every part's text merged: one catalog per language. */
import { common } from './common.js';
import { taskList } from './task-list.js';
import { newTask } from './new-task.js';
import { taskDetail } from './task-detail.js';
import { trainingData } from './training-data.js';
import { pairs } from './pairs.js';
import { tables } from './tables.js';
import { files } from './files.js';
import { backups } from './backups.js';
import type { Catalog } from './types.js';

export const PARTS: readonly Catalog[] = [common, taskList, newTask, taskDetail, trainingData, pairs, tables, files, backups];
export const zhCN: Record<string, string> = Object.assign({}, ...PARTS.map((p) => p.zh));
export const en: Record<string, string> = Object.assign({}, ...PARTS.map((p) => p.en));
