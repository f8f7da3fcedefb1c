// DDL of the bundled "Trailhead Outfitters" sample database.
//
// The script must run unchanged on PostgreSQL 15 and on PGlite (PostgreSQL 18), so it sticks to
// plain DDL that both accept: no IF NOT EXISTS, no PG16+ syntax, every object schema-qualified
// (the loader does not control search_path).
//
// Catalog features this fixture deliberately exercises (the schema reader is tested against them):
//   - two schemas (public, hr) and a cross-schema foreign key (hr.employees.store_id -> public.stores)
//   - self-referencing FKs (product_categories.parent_id, hr.employees.manager_id)
//   - a composite FK (order_items (store_id, product_id) -> inventory) and composite primary keys
//   - an enum type (public.order_status), CHECK constraints, defaults, UNIQUE constraints
//   - jsonb and text[] columns, smallint/serial/bigserial keys, numeric(p,s), char(n), timestamptz
//   - a mixed-case quoted table/column spelling (public."CustomerFeedback"."NPS_Score")
//   - a column named like a keyword (comment)
//   - "enum-like" varchar columns with no CHECK (orders.channel, payments.method), so the
//     allowed values can only be learned from data or from a comment
//   - plain, partial, expression and GIN indexes, a view and a materialized view
//   - comments on SOME objects only.
//
// Comment coverage (intentionally partial, so "no comment" paths are tested too):
//   Tables WITH a comment:    regions, stores, products, customers, orders, "CustomerFeedback",
//                             hr.departments, hr.employees (plus schema hr, type order_status,
//                             the view and the materialized view).
//   Tables WITHOUT a comment: product_categories, inventory, order_items, payments.
//   product_categories has no comment at all (neither table nor columns); most other columns are
//   uncommented too, e.g. customers.full_name, products.name, orders.customer_id, payments.method.

export const SAMPLE_SCHEMA_SQL = `
-- Trailhead Outfitters: sample database of the Data Pipeline tool (schema).

CREATE SCHEMA hr;
COMMENT ON SCHEMA hr IS 'Human resources: departments and employees of Trailhead Outfitters.';

CREATE TYPE public.order_status AS ENUM ('pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded');
COMMENT ON TYPE public.order_status IS 'Lifecycle of an order; refunded orders were paid and later fully refunded.';

CREATE TABLE public.regions (
  id   smallint PRIMARY KEY,
  code char(2) NOT NULL UNIQUE,
  name varchar(60) NOT NULL
);
COMMENT ON TABLE public.regions IS 'Sales regions of the United States used for stores and customers.';
COMMENT ON COLUMN public.regions.code IS 'Two-letter region code, e.g. PN for Pacific Northwest.';

CREATE TABLE public.stores (
  id         serial PRIMARY KEY,
  region_id  smallint REFERENCES public.regions (id),
  name       varchar(80) NOT NULL,
  city       varchar(60),
  opened_on  date,
  is_online  boolean NOT NULL DEFAULT false,
  deleted_at timestamptz
);
COMMENT ON TABLE public.stores IS 'Retail stores plus the online shop (is_online); closed stores are soft-deleted.';
COMMENT ON COLUMN public.stores.region_id IS 'NULL for the online shop, which serves every region.';
COMMENT ON COLUMN public.stores.is_online IS 'True for the web/phone shop, which has no physical location.';
COMMENT ON COLUMN public.stores.deleted_at IS 'Set when the store closed; NULL while the store is operating.';

CREATE TABLE public.product_categories (
  id        serial PRIMARY KEY,
  parent_id integer REFERENCES public.product_categories (id),
  name      varchar(60) NOT NULL
);

CREATE TABLE public.products (
  id              serial PRIMARY KEY,
  sku             varchar(20) NOT NULL UNIQUE,
  name            varchar(120) NOT NULL,
  category_id     integer REFERENCES public.product_categories (id),
  list_price      numeric(10,2) NOT NULL CHECK (list_price > 0),
  unit_cost       numeric(10,2),
  weight_grams    integer,
  attributes      jsonb,
  tags            text[],
  launched_on     date,
  is_discontinued boolean DEFAULT false,
  deleted_at      timestamptz
);
COMMENT ON TABLE public.products IS 'Product catalog of outdoor gear; removed products are soft-deleted.';
COMMENT ON COLUMN public.products.sku IS 'Stock keeping unit, e.g. TH-TEN-0001.';
COMMENT ON COLUMN public.products.list_price IS 'Current retail price in USD.';
COMMENT ON COLUMN public.products.unit_cost IS 'Purchase cost per unit in USD; NULL when not yet negotiated.';
COMMENT ON COLUMN public.products.attributes IS 'Free-form product attributes such as color, material, waterproof.';
COMMENT ON COLUMN public.products.tags IS 'Merchandising tags, e.g. {camping,ultralight}.';

CREATE TABLE public.customers (
  id               serial PRIMARY KEY,
  email            varchar(120) NOT NULL UNIQUE,
  full_name        varchar(100) NOT NULL,
  region_id        smallint REFERENCES public.regions (id),
  loyalty_tier     varchar(10) NOT NULL DEFAULT 'bronze'
                   CHECK (loyalty_tier IN ('bronze', 'silver', 'gold', 'platinum')),
  marketing_opt_in boolean NOT NULL DEFAULT false,
  preferences      jsonb,
  signed_up_at     timestamptz NOT NULL,
  deleted_at       timestamptz
);
COMMENT ON TABLE public.customers IS 'Registered customers of the loyalty program; deleted accounts are soft-deleted.';
COMMENT ON COLUMN public.customers.loyalty_tier IS 'Loyalty program tier: bronze, silver, gold or platinum.';
COMMENT ON COLUMN public.customers.preferences IS 'Customer preferences (newsletter frequency, favourite activities, units).';

CREATE TABLE public.inventory (
  store_id         integer NOT NULL REFERENCES public.stores (id),
  product_id       integer NOT NULL REFERENCES public.products (id),
  quantity_on_hand integer NOT NULL CHECK (quantity_on_hand >= 0),
  reorder_level    integer NOT NULL DEFAULT 10,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (store_id, product_id)
);
COMMENT ON COLUMN public.inventory.reorder_level IS 'Restock when quantity_on_hand falls to or below this level.';

CREATE TABLE public.orders (
  id            bigserial PRIMARY KEY,
  order_number  varchar(20) NOT NULL UNIQUE,
  customer_id   integer NOT NULL REFERENCES public.customers (id),
  store_id      integer NOT NULL REFERENCES public.stores (id),
  status        public.order_status NOT NULL DEFAULT 'pending',
  channel       varchar(10) NOT NULL,
  ordered_at    timestamptz NOT NULL,
  shipped_at    timestamptz,
  total_amount  numeric(12,2) NOT NULL,
  discount_code varchar(20)
);
COMMENT ON TABLE public.orders IS 'Customer orders from all sales channels.';
COMMENT ON COLUMN public.orders.store_id IS 'Store that fulfils the order (the online shop or a physical store).';
COMMENT ON COLUMN public.orders.channel IS 'Sales channel: web, store or phone.';
COMMENT ON COLUMN public.orders.shipped_at IS 'NULL until shipped; always NULL for in-store purchases.';
COMMENT ON COLUMN public.orders.total_amount IS 'Order total in USD: sum over its items of round(quantity * unit_price * (1 - discount_pct / 100), 2).';

CREATE TABLE public.order_items (
  order_id     bigint NOT NULL REFERENCES public.orders (id) ON DELETE CASCADE,
  line_no      smallint NOT NULL,
  product_id   integer NOT NULL,
  store_id     integer NOT NULL,
  quantity     integer NOT NULL CHECK (quantity > 0),
  unit_price   numeric(10,2) NOT NULL,
  discount_pct numeric(5,2) NOT NULL DEFAULT 0,
  PRIMARY KEY (order_id, line_no),
  FOREIGN KEY (store_id, product_id) REFERENCES public.inventory (store_id, product_id)
);
COMMENT ON COLUMN public.order_items.unit_price IS 'Price per unit in USD before the line discount.';
COMMENT ON COLUMN public.order_items.discount_pct IS 'Line discount in percent (0-100).';

CREATE TABLE public.payments (
  id        serial PRIMARY KEY,
  order_id  bigint NOT NULL REFERENCES public.orders (id),
  method    varchar(16) NOT NULL, -- 16, not 12: 'bank_transfer' has 13 characters
  amount    numeric(12,2) NOT NULL,
  paid_at   timestamptz NOT NULL,
  is_refund boolean NOT NULL DEFAULT false
);
COMMENT ON COLUMN public.payments.amount IS 'Amount in USD, always positive; refunds are flagged by is_refund.';
COMMENT ON COLUMN public.payments.is_refund IS 'True when money was returned to the customer.';

CREATE TABLE public."CustomerFeedback" (
  "feedbackId" serial PRIMARY KEY,
  customer_id  integer REFERENCES public.customers (id),
  order_id     bigint REFERENCES public.orders (id),
  "NPS_Score"  smallint CHECK ("NPS_Score" BETWEEN 0 AND 10),
  comment      text,
  submitted_at timestamptz NOT NULL
);
COMMENT ON TABLE public."CustomerFeedback" IS 'Customer satisfaction survey answers; customer_id is NULL for anonymous feedback.';
COMMENT ON COLUMN public."CustomerFeedback"."NPS_Score" IS 'Net Promoter Score answer from 0 (detractor) to 10 (promoter).';

CREATE TABLE hr.departments (
  id          smallint PRIMARY KEY,
  name        varchar(60) NOT NULL UNIQUE,
  cost_center varchar(10)
);
COMMENT ON TABLE hr.departments IS 'Company departments.';

CREATE TABLE hr.employees (
  id            serial PRIMARY KEY,
  department_id smallint NOT NULL REFERENCES hr.departments (id),
  store_id      integer REFERENCES public.stores (id),
  manager_id    integer REFERENCES hr.employees (id),
  first_name    varchar(50) NOT NULL,
  last_name     varchar(50) NOT NULL,
  job_title     varchar(80),
  hired_on      date NOT NULL,
  salary        numeric(10,2),
  is_active     boolean NOT NULL DEFAULT true,
  terminated_at date
);
COMMENT ON TABLE hr.employees IS 'Employees of stores and head office.';
COMMENT ON COLUMN hr.employees.store_id IS 'Store the employee works at; NULL for head-office staff.';
COMMENT ON COLUMN hr.employees.manager_id IS 'Direct manager; NULL only for the chief executive.';
COMMENT ON COLUMN hr.employees.salary IS 'Annual gross salary in USD; NULL when confidential.';

-- Secondary indexes: plain, partial, expression and GIN, so index introspection has variety.
CREATE INDEX orders_customer_id_idx ON public.orders (customer_id);
CREATE INDEX orders_ordered_at_idx ON public.orders (ordered_at);
CREATE INDEX order_items_product_id_idx ON public.order_items (product_id);
CREATE INDEX customers_active_region_idx ON public.customers (region_id) WHERE deleted_at IS NULL;
CREATE INDEX customers_lower_full_name_idx ON public.customers (lower(full_name));
CREATE INDEX products_attributes_idx ON public.products USING gin (attributes);

-- Days are cut in UTC so the view gives the same answer whatever the session TimeZone is.
CREATE VIEW public.v_store_daily_sales AS
SELECT s.id AS store_id,
       s.name AS store_name,
       (o.ordered_at AT TIME ZONE 'UTC')::date AS sales_date,
       count(*) AS order_count,
       sum(o.total_amount) AS revenue
FROM public.orders o
JOIN public.stores s ON s.id = o.store_id
WHERE o.status NOT IN ('cancelled', 'refunded')
GROUP BY s.id, s.name, (o.ordered_at AT TIME ZONE 'UTC')::date;
COMMENT ON VIEW public.v_store_daily_sales IS 'Daily order count and revenue per store (UTC days), excluding cancelled and refunded orders.';
`;

// Runs after the data: the materialized view is populated when created, and ANALYZE gives the
// planner (and any row-count estimates read from pg_class) realistic statistics.
export const SAMPLE_POST_DATA_SQL = `
-- Trailhead Outfitters: post-data objects.

CREATE MATERIALIZED VIEW public.mv_product_sales AS
SELECT p.id AS product_id,
       p.sku,
       p.name AS product_name,
       coalesce(sum(oi.quantity), 0) AS units_sold,
       coalesce(sum(round(oi.quantity * oi.unit_price * (1 - oi.discount_pct / 100), 2)), 0) AS revenue
FROM public.products p
LEFT JOIN public.order_items oi ON oi.product_id = p.id
GROUP BY p.id, p.sku, p.name;
CREATE UNIQUE INDEX mv_product_sales_product_id_idx ON public.mv_product_sales (product_id);
COMMENT ON MATERIALIZED VIEW public.mv_product_sales IS 'Units sold and revenue per product over all order items (products without sales show 0).';

ANALYZE;
`;
