/** The training data page. (web/src/views/training-data.ts) */
import type { Catalog } from './types.js';

export const trainingData: Catalog = {
  zh: {},
  en: {},
};
