/**
 * One part of the console's text. `zh`: the Simplified Chinese of each English key. `en`: only the
 * English forms that differ from their key, i.e. the singular of a plural key (`'{{count}} tables_one'`).
 */
export interface Catalog {
  zh: Record<string, string>;
  en: Record<string, string>;
}
