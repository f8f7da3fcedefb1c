// The bundled "Trailhead Outfitters" sample database: offline demo source and main test fixture.
import { createHash } from 'node:crypto';
import { generateSampleDataSql } from './sample-data.js';
import { SAMPLE_POST_DATA_SQL, SAMPLE_SCHEMA_SQL } from './sample-schema.js';

export { SAMPLE_POST_DATA_SQL, SAMPLE_SCHEMA_SQL } from './sample-schema.js';
export { generateSampleData, generateSampleDataSql, sqlLiteral } from './sample-data.js';

export { SAMPLE_DB_NAME, SAMPLE_TABLES, SAMPLE_VIEWS } from './sample-names.js';

/**
 * Exact row counts produced by the generator. Written out on purpose rather than computed: a
 * test compares them with the generator, so any change to the fixture data is a visible,
 * deliberate edit here (tests elsewhere may depend on these numbers).
 */
export const SAMPLE_ROW_COUNTS: Readonly<Record<string, number>> = Object.freeze({
  'public.regions': 6,
  'public.stores': 14,
  'public.product_categories': 12,
  'public.products': 150,
  'public.customers': 400,
  'public.inventory': 755,
  'public.orders': 1500,
  'public.order_items': 3525,
  'public.payments': 1493,
  'public.CustomerFeedback': 300,
  'hr.departments': 6,
  'hr.employees': 120,
});

let cachedScript: string | undefined;

/** Schema + data + post-data as one multi-statement script (generated once per process). */
export function sampleDatabaseScript(): string {
  cachedScript ??= SAMPLE_SCHEMA_SQL + generateSampleDataSql() + SAMPLE_POST_DATA_SQL;
  return cachedScript;
}

/** Short content hash of the script, usable as a cache key for anything derived from it. */
export const SAMPLE_SCRIPT_VERSION: string = createHash('sha256').update(sampleDatabaseScript()).digest('hex').slice(0, 12);
