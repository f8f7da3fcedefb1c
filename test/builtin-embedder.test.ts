/**
 * The builtin embedder v2 handles how people phrase things: identifiers split (snake_case,
 * camelCase), plurals and inflections folded, function words ignored and boilerplate weighed
 * little, Chinese split into character bigrams; deterministic (its vectors are pinned: a change
 * needs a new model id, since stores hold them); the earlier v1 stays selectable.
 */
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../src/config/settings.js';
import { createEmbedder } from '../src/embedding/create-embedder.js';
import { HashingEmbedder } from '../src/embedding/hashing-embedder.js';
import { HashingEmbedderV1 } from '../src/embedding/hashing-embedder-v1.js';
import { splitIdentifier, stem } from '../src/embedding/text-features.js';

const e = new HashingEmbedder(384);
const dot = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * (b[i] as number), 0);
const sim = (a: string, b: string) => dot(e.embedOne(a), e.embedOne(b));

describe('the builtin embedder v2', () => {
  it('splits snake_case, camelCase, acronyms and digits', () => {
    expect(splitIdentifier('order_items')).toEqual(['order', 'items']);
    expect(splitIdentifier('CustomerFeedback')).toEqual(['customer', 'feedback']);
    expect(splitIdentifier('NPSScore')).toEqual(['nps', 'score']);
    expect(splitIdentifier('payment_p2022_01')).toEqual(['payment', 'p', '2022', '01']);
    // The parts count as words: a person's "customer feedback" meets both spellings.
    expect(sim('customer feedback', 'CustomerFeedback')).toBeGreaterThan(0.8);
    expect(sim('customer feedback', 'customer_feedback')).toBeGreaterThan(0.8);
    expect(sim('customer feedback', 'CustomerFeedback')).toBeGreaterThan(sim('customer feedback', 'customer_payments'));
  });

  it('folds plurals and common inflections to one stem', () => {
    const groups = [
      ['order', 'orders', 'ordered', 'ordering'],
      ['category', 'categories'],
      ['ship', 'shipped', 'shipping', 'ships'],
      ['price', 'prices', 'priced', 'pricing'],
      ['month', 'monthly', 'months'],
      ['employee', 'employees'],
      ['status', 'statuses'],
      ['sell', 'sold', 'sales', 'sale'],
      ['person', 'people'],
    ];
    for (const group of groups) expect(new Set(group.map(stem)), group.join(', ')).toHaveProperty('size', 1);
    expect(stem('business')).toBe('business');
    expect(stem('analysis')).toBe('analysis');
    // Same stems and no other words: the same vector.
    expect(e.embedOne('shipped orders')).toEqual(e.embedOne('order shipping'));
    expect(e.embedOne('product categories')).toEqual(e.embedOne('product category'));
  });

  it('ignores function words and weighs schema boilerplate little', () => {
    expect(e.embedOne('How many orders are there?')).toEqual(e.embedOne('orders'));
    const ddl = 'create table public.orders (id bigint not null primary key, discount_code varchar(20)) -- discount code given at checkout';
    expect(sim('discount', ddl)).toBeGreaterThan(sim('create table not null primary key varchar', ddl));
    // ORDER BY is SQL, not the business word.
    expect(sim('orders', 'SELECT name FROM t ORDER BY name')).toBeLessThan(sim('orders', 'SELECT name FROM orders'));
  });

  it('counts the words of comments and enumeration labels over the schema words around them', () => {
    const customers =
      '## customers (Registered customers of the loyalty program)\nColumns:\n- id (integer) - ID [primary key, not null]\n' +
      '- loyalty_tier (loyalty_tier) - Loyalty tier [not null]\nNotes:\n- loyalty_tier is an enumeration with values: bronze, silver, gold, platinum';
    const orders =
      '## orders (Customer orders from all sales channels)\nColumns:\n- id (bigint) - ID [primary key, not null]\n' +
      '- status (order_status) - Status [not null]\nNotes:\n- status is an enumeration with values: pending, paid, shipped, delivered';
    expect(sim('How many gold members do we have?', customers)).toBeGreaterThan(sim('How many gold members do we have?', orders));
    expect(sim('Which orders were delivered?', orders)).toBeGreaterThan(sim('Which orders were delivered?', customers));
    expect(sim('loyalty program', customers)).toBeGreaterThan(0.3);
  });

  it('embeds Chinese as character bigrams, so Chinese questions find Chinese documents', () => {
    const departments = '## hr.departments（部门表）\n公司部门，记录部门名称与所属员工';
    const orders = '## orders（订单表）\n客户订单，记录下单时间、金额和状态';
    expect(e.embedOne('每个部门有多少名员工？').some((x) => x !== 0)).toBe(true);
    expect(sim('每个部门有多少名员工？', departments)).toBeGreaterThan(sim('每个部门有多少名员工？', orders));
    expect(sim('上个月的订单金额是多少？', orders)).toBeGreaterThan(sim('上个月的订单金额是多少？', departments));
    // Grammar characters alone say nothing.
    expect(e.embedOne('的了是')).toEqual(new Array(384).fill(0));
  });

  it('is deterministic, normalised and pinned: its vectors never change under its model id', async () => {
    const text = 'Customer orders from all sales channels';
    const v = e.embedOne(text);
    expect(new HashingEmbedder(384).embedOne(text)).toEqual(v);
    expect(await e.embed([text, 'orders'])).toEqual([v, e.embedOne('orders')]);
    expect(Math.hypot(...v)).toBeCloseTo(1, 10);
    // A change of features or weights changes this: give the embedder a new model id then.
    expect(v.reduce((s, x, i) => s + x * (i + 1), 0)).toBeCloseTo(-36.208079, 5);
    expect(v.filter((x) => x !== 0)).toHaveLength(25);
    expect(e.identity).toEqual({ provider: 'builtin', model: 'builtin-hashing-v2', dimension: 384 });
  });

  it('is the default builtin; EMBEDDING_MODEL=builtin-hashing-v1 keeps the earlier one, and a misspelt model is refused', async () => {
    expect((await createEmbedder(loadSettings({}).embedding)).identity.model).toBe('builtin-hashing-v2');
    const v1 = await createEmbedder(loadSettings({ EMBEDDING_MODEL: 'builtin-hashing-v1' }).embedding);
    expect(v1).toBeInstanceOf(HashingEmbedderV1);
    expect(v1.identity).toEqual({ provider: 'builtin', model: 'builtin-hashing-v1', dimension: 384 });
    expect(() => loadSettings({ EMBEDDING_MODEL: 'builtin-hashing-v3' })).toThrow(
      /EMBEDDING_MODEL: with EMBEDDING_PROVIDER=builtin, one of builtin-hashing-v2/,
    );
  });
});
