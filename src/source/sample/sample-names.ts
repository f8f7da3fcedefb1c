/**
 * The sample database's name and the tables it holds: small constants, apart from the script
 * (building and hashing it costs every process tens of milliseconds; it is loaded only to open it).
 */
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
