// The bundled "Trailhead Outfitters" sample database: offline demo source and main test fixture.
import { createHash } from 'node:crypto';
import { generateSampleDataSql } from './sample-data.js';
import { SAMPLE_POST_DATA_SQL, SAMPLE_SCHEMA_SQL } from './sample-schema.js';

export { SAMPLE_POST_DATA_SQL, SAMPLE_SCHEMA_SQL } from './sample-schema.js';
export { generateSampleData, generateSampleDataSql, sqlLiteral } from './sample-data.js';

export const SAMPLE_DB_NAME = 'trailhead_outfitters';

/** Every table as schema.table in catalog spelling (unquoted), parents before children. */
export const SAMPLE_TABLES: readonly string[] = Object.freeze([
  'public.regions',
  'public.stores',
  'public.product_categories',
  'public.products',
  'public.customers',
  'public.inventory',
  'public.orders',
  'public.order_items',
  'public.payments',
  'public.CustomerFeedback',
  'hr.departments',
  'hr.employees',
]);

/** The view and the materialized view. */
export const SAMPLE_VIEWS: readonly string[] = Object.freeze(['public.v_store_daily_sales', 'public.mv_product_sales']);

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
export const SAMPLE_SCRIPT_VERSION: string = createHash('sha256')
  .update(sampleDatabaseScript())
  .digest('hex')
  .slice(0, 12);
