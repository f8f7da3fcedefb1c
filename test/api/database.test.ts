/**
 * Contract of the database introspection endpoints (api.md "Database introspection"), on the
 * bundled sample and on the same sample loaded into the PostgreSQL test server: table lists with
 * schema and name filters, one table's DDL/Markdown with its fields, and the errors (unreachable
 * database, unknown table, invalid values) without a 500 or a password.
 */
import { promises as fs } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { createSampleDatabaseOnServer, type ScratchDatabase } from '../support/env.js';
import { expectError, expectInvalid, expectMissing, expectSuccess } from '../support/envelope-assertions.js';

const TABLES = '/api/v0/database/tables';
const DDL = '/api/v0/database/table/ddl';
const PASSWORD = 'IntrospectPw77';

const SAMPLE_TABLES = [
  'hr.departments',
  'hr.employees',
  'public.CustomerFeedback',
  'public.customers',
  'public.inventory',
  'public.mv_product_sales',
  'public.order_items',
  'public.orders',
  'public.payments',
  'public.product_categories',
  'public.products',
  'public.regions',
  'public.stores',
  'public.v_store_daily_sales',
];

let server: TestServer;
let pgSample: ScratchDatabase;
/** The PostgreSQL copy of the sample, with a password in the URL (the test server ignores it). */
let pgUrl: string;

beforeAll(async () => {
  [server, pgSample] = await Promise.all([startTestServer(), createSampleDatabaseOnServer()]);
  const url = new URL(pgSample.url);
  url.password = PASSWORD;
  pgUrl = url.toString();
});
afterAll(async () => {
  await server?.close();
  if (server) await fs.rm(server.root, { recursive: true, force: true });
  await pgSample?.drop();
});

const sorted = (values: string[]) => [...values].sort();

describe('POST /database/tables', () => {
  const sources = () =>
    [
      ['the sample (db_connection omitted)', undefined, 'trailhead_outfitters'],
      ['the sample ("sample")', 'sample', 'trailhead_outfitters'],
      ['PostgreSQL', pgUrl, pgSample.name],
    ] as const;

  it('lists every table, view and materialized view of the sample, also without a body', async () => {
    const data = expectSuccess(await server.call('POST', TABLES));
    expect(sorted(data.tables)).toEqual(sorted(SAMPLE_TABLES));
    expect(data).toMatchObject({ total: SAMPLE_TABLES.length, db_connection_info: { database: 'trailhead_outfitters' } });
    expect(sorted(data.schemas)).toEqual(['hr', 'public']);
  });

  it('lists the same tables on each source, with the database name', async () => {
    for (const [label, connection, database] of sources()) {
      const res = await server.call('POST', TABLES, connection === undefined ? {} : { db_connection: connection });
      const data = expectSuccess(res);
      expect(sorted(data.tables), label).toEqual(sorted(SAMPLE_TABLES));
      expect(data.total).toBe(SAMPLE_TABLES.length);
      expect(data.db_connection_info.database).toBe(database);
      expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    }
  });

  it('filters by schema ("public,hr", one schema, an unknown one)', async () => {
    for (const [label, connection] of sources()) {
      const both = expectSuccess(await server.call('POST', TABLES, { db_connection: connection, schema: 'public,hr' }));
      expect(sorted(both.tables), label).toEqual(sorted(SAMPLE_TABLES));
      const hr = expectSuccess(await server.call('POST', TABLES, { db_connection: connection, schema: ' hr , ' }));
      expect(hr.tables, label).toEqual(['hr.departments', 'hr.employees']);
      expect(hr).toMatchObject({ total: 2, schemas: ['hr'] });
      const none = expectSuccess(await server.call('POST', TABLES, { db_connection: connection, schema: 'no_such_schema' }));
      expect(none).toMatchObject({ tables: [], total: 0, schemas: [] });
    }
  });

  it('filters names with a * wildcard, other LIKE characters taken literally', async () => {
    for (const [label, connection] of sources()) {
      const call = async (pattern: string, schema?: string) =>
        sorted(expectSuccess(await server.call('POST', TABLES, { db_connection: connection, table_name_pattern: pattern, schema })).tables);
      expect(await call('order*'), label).toEqual(['public.order_items', 'public.orders']);
      expect(await call('*s', 'hr')).toEqual(['hr.departments', 'hr.employees']);
      expect(await call('*_sales')).toEqual(['public.mv_product_sales', 'public.v_store_daily_sales']);
      expect(await call('orders')).toEqual(['public.orders']);
      expect(await call('order_*')).toEqual(['public.order_items']);
      expect(await call('order%')).toEqual([]);
      expect(await call('*')).toEqual(sorted(SAMPLE_TABLES));
    }
  });

  it('answers an unreachable or unknown database with 400 DB_CONNECTION_FAILED, without the password', async () => {
    const unknownDb = new URL(pgUrl);
    unknownDb.pathname = '/no_such_database_here';
    for (const connection of [`postgresql://dp:${PASSWORD}@127.0.0.1:1/nodb`, unknownDb.toString()]) {
      const res = await server.call('POST', TABLES, { db_connection: connection });
      const data = expectError(res, 400, 'DB_CONNECTION_FAILED');
      expect(data.can_retry).toBe(true);
      expect(res.body.message).toMatch(/cannot connect/);
      expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    }
  });

  it('answers unusable connection URLs with 400, never 500', async () => {
    // Not a URL at all (port out of range, unclosed bracket, no host): refused before connecting.
    for (const connection of ['postgresql://127.0.0.1:99999/db', 'postgresql://[::1', `postgresql://u:${PASSWORD}@/nohost`]) {
      const res = await server.call('POST', TABLES, { db_connection: connection });
      expectInvalid(res, 'body.db_connection', /not a valid connection/, /postgresql:\/\//);
      expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    }
    // A URL, but no such role, or a server that does not speak SSL: the connection fails.
    for (const connection of ['postgresql://no_such_role_x@127.0.0.1:5432/postgres', `postgresql://u:${PASSWORD}@127.0.0.1:5432/postgres?sslmode=require`]) {
      const res = await server.call('POST', TABLES, { db_connection: connection });
      expectError(res, 400, 'DB_CONNECTION_FAILED');
      expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    }
  });

  it('refuses invalid values naming the field (400)', async () => {
    const res = await server.call('POST', TABLES, { db_connection: `mysql://root:${PASSWORD}@x/db` });
    expectInvalid(res, 'body.db_connection', /not a valid connection/, /postgresql:\/\//);
    expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    expectInvalid(await server.call('POST', TABLES, { schema: 'x'.repeat(1001) }), 'body.schema', /1000/, /1000/);
    expectInvalid(await server.call('POST', TABLES, { table_name_pattern: 'x'.repeat(201) }), 'body.table_name_pattern', /200/, /200/);
    expectInvalid(await server.call('POST', TABLES, { schema: { public: true } }), 'body.schema', /string/, /string/);
  });
});

describe('POST /database/table/ddl', () => {
  it('answers the DDL by default, with table_info and fields', async () => {
    const data = expectSuccess(await server.call('POST', DDL, { table: 'orders' }));
    expect(data.ddl).toMatch(/^create table public\.orders \(/im);
    expect(data.ddl).toContain('Customer orders from all sales channels.');
    expect(data.md).toBeUndefined();
    expect(data.table_info).toMatchObject({
      table_name: 'orders',
      schema_name: 'public',
      full_name: 'public.orders',
      comment: 'Customer orders from all sales channels.',
      field_count: 10,
    });
    expect(typeof data.table_info.row_count).toBe('number');
    expect(typeof data.table_info.table_size).toBe('number');
    expect(data.fields).toHaveLength(10);
    for (const field of data.fields) {
      expect(Object.keys(field)).toEqual(
        expect.arrayContaining(['name', 'type', 'nullable', 'comment', 'is_primary_key', 'is_foreign_key', 'default_value', 'is_enum', 'enum_values']),
      );
    }
    const byName = Object.fromEntries(data.fields.map((f: { name: string }) => [f.name, f]));
    expect(byName.id).toMatchObject({ is_primary_key: true, is_foreign_key: false, nullable: false });
    expect(byName.customer_id).toMatchObject({ is_primary_key: false, is_foreign_key: true, nullable: false });
    expect(byName.shipped_at).toMatchObject({ nullable: true, comment: 'NULL until shipped; always NULL for in-store purchases.' });
    expect(byName.status).toMatchObject({ is_enum: true, default_value: expect.stringContaining('pending') });
    expect(byName.status.enum_values).toEqual(expect.arrayContaining(['pending', 'paid', 'shipped']));
    expect(byName.total_amount).toMatchObject({ is_enum: false, enum_values: [] });
    expect(data.generation_info).toMatchObject({ llm_used: false, llm_calls: 0, language: 'en' });
  });

  it('answers Markdown with type md, and both with type both', async () => {
    const md = expectSuccess(await server.call('POST', DDL, { table: 'public.orders', type: 'md' }));
    expect(md.ddl).toBeUndefined();
    expect(md.md).toMatch(/^## orders/m);
    expect(md.md).toMatch(/^- status \(order_status\)/m);
    const both = expectSuccess(await server.call('POST', DDL, { table: 'public.orders', type: 'both' }));
    expect(both.ddl).toMatch(/^create table public\.orders \(/im);
    expect(both.md).toEqual(md.md);
    expect(expectSuccess(await server.call('POST', DDL, { table: 'orders', type: 'ddl' })).md).toBeUndefined();
  });

  it('generates missing comments when a business context is given', async () => {
    const without = expectSuccess(await server.call('POST', DDL, { table: 'product_categories' }));
    expect(without.generation_info).toMatchObject({ llm_used: false, provider: null, llm_calls: 0 });
    const withContext = expectSuccess(await server.call('POST', DDL, { table: 'product_categories', business_context: 'Outdoor gear retailer', type: 'both' }));
    expect(withContext.generation_info).toMatchObject({ llm_used: true, provider: expect.any(String), llm_error: null });
    expect(withContext.generation_info.llm_calls).toBeGreaterThan(0);
    expect(withContext.table_info.comment).toEqual(expect.any(String));
    expect(withContext.fields.every((f: { comment: string | null }) => typeof f.comment === 'string' && f.comment.length > 0)).toBe(true);
    expect(withContext.ddl).toContain(withContext.table_info.comment);
    // A blank context generates nothing.
    expect(expectSuccess(await server.call('POST', DDL, { table: 'product_categories', business_context: '   ' })).generation_info.llm_used).toBe(false);
  });

  it('documents tables of other schemas, quoted names and views, on PostgreSQL too', async () => {
    for (const connection of [undefined, pgUrl]) {
      const res = await server.call('POST', DDL, { table: 'hr.employees', db_connection: connection });
      const employees = expectSuccess(res);
      expect(employees.table_info).toMatchObject({ table_name: 'employees', schema_name: 'hr', full_name: 'hr.employees', field_count: 11 });
      const manager = employees.fields.find((f: { name: string }) => f.name === 'manager_id');
      expect(manager).toMatchObject({ is_foreign_key: true, nullable: true, comment: 'Direct manager; NULL only for the chief executive.' });
      expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
      const feedback = expectSuccess(await server.call('POST', DDL, { table: 'public."CustomerFeedback"', db_connection: connection }));
      expect(feedback.table_info).toMatchObject({ table_name: 'CustomerFeedback', full_name: 'public.CustomerFeedback' });
      expect(feedback.fields.find((f: { name: string }) => f.name === 'feedbackId')).toMatchObject({ is_primary_key: true });
      const view = expectSuccess(await server.call('POST', DDL, { table: 'v_store_daily_sales', db_connection: connection }));
      expect(view.table_info.field_count).toBe(5);
    }
  });

  it('answers 404 for an unknown table, on each source', async () => {
    for (const connection of [undefined, 'sample', pgUrl]) {
      const res = await server.call('POST', DDL, { table: 'no_such_table', db_connection: connection });
      expect(expectError(res, 404, 'TABLE_NOT_FOUND').response).toContain('public.no_such_table');
      expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    }
    expectError(await server.call('POST', DDL, { table: 'nowhere.orders' }), 404, 'TABLE_NOT_FOUND');
  });

  it('refuses a missing or invalid table and an invalid type or language (400)', async () => {
    expectMissing(await server.call('POST', DDL, {}), 'body.table');
    expectMissing(await server.call('POST', DDL), 'body.table');
    expectInvalid(await server.call('POST', DDL, { table: '' }), 'body.table', /fewer than 1/, /1 to 300/);
    for (const table of ['bad name', 'a.b.c', '"open']) {
      expectInvalid(await server.call('POST', DDL, { table }), 'body.table', /table|name|quotes/, /schema\.table/);
    }
    expectInvalid(await server.call('POST', DDL, { table: 'orders', type: 'sql' }), 'body.type', /must be one of/, /^ddl, md, both$/);
    expectInvalid(await server.call('POST', DDL, { table: 'orders', language: 'fr' }), 'body.language', /must be one of/, /^en, zh$/);
  });

  it('answers an unreachable database with 400 DB_CONNECTION_FAILED, without the password', async () => {
    const res = await server.call('POST', DDL, { table: 'orders', db_connection: `postgresql://dp:${PASSWORD}@127.0.0.1:1/nodb` });
    expect(expectError(res, 400, 'DB_CONNECTION_FAILED').can_retry).toBe(true);
    expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    const invalid = await server.call('POST', DDL, { table: 'orders', db_connection: 'oracle://x' });
    expectInvalid(invalid, 'body.db_connection', /not a valid connection/, /postgresql:\/\//);
  });
});
