/** The shape of a query from PostgreSQL's parse tree: joins, filters, grouping, windows, subqueries, difficulty, and a fingerprint that ignores literal values. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureSqlParser } from '../src/sql/pg-parser.js';
import { sqlShape } from '../src/sql/sql-shape.js';

beforeAll(async () => {
  await ensureSqlParser();
});

describe('sqlShape', () => {
  it('reads a one-table count as easy, with no join or filter', () => {
    expect(sqlShape('SELECT count(*) FROM orders')).toMatchObject({ tables: ['orders'], joins: 0, filter: false, aggregate: true, difficulty: 'easy' });
  });

  it('counts explicit and FROM-list joins, filters, HAVING', () => {
    const one = sqlShape(
      "SELECT s.name, sum(o.total) FROM orders o JOIN stores s ON s.id = o.store_id WHERE o.status = 'paid' GROUP BY s.name HAVING sum(o.total) > 100",
    );
    expect(one).toMatchObject({ tables: ['orders', 'stores'], joins: 1, filter: true, groupBy: true, having: true, difficulty: 'medium' });
    const two = sqlShape('SELECT r.name, count(*) FROM orders o, stores s, public.regions r WHERE o.store_id = s.id AND s.region_id = r.id GROUP BY r.name');
    expect(two).toMatchObject({ tables: ['orders', 'public.regions', 'stores'], joins: 2, difficulty: 'hard' });
  });

  it('reads windows, subqueries and CTEs as hard, and leaves CTE names out of the tables', () => {
    expect(sqlShape('SELECT name, rank() OVER (ORDER BY total DESC) FROM stores')).toMatchObject({ window: true, aggregate: false, difficulty: 'hard' });
    expect(sqlShape('SELECT * FROM stores WHERE id IN (SELECT store_id FROM orders)')).toMatchObject({ subquery: true, difficulty: 'hard' });
    expect(sqlShape('WITH t AS (SELECT store_id FROM orders) SELECT count(*) FROM t')).toMatchObject({ tables: ['orders'], subquery: true });
    expect(sqlShape('SELECT id FROM a UNION SELECT id FROM b')).toMatchObject({ setOperation: true, difficulty: 'hard' });
  });

  it('gives queries that differ only in literals the same fingerprint, and other queries another', () => {
    const a = sqlShape("SELECT count(*) FROM orders WHERE status = 'paid' LIMIT 10");
    const b = sqlShape("select COUNT(*) from orders where status='shipped' limit 5");
    const c = sqlShape("SELECT count(*) FROM orders WHERE region = 'paid'");
    expect(a?.fingerprint).toBe(b?.fingerprint);
    expect(a?.fingerprint).not.toBe(c?.fingerprint);
  });

  it('returns null for what does not parse', () => {
    expect(sqlShape('SELEC nothing')).toBeNull();
  });
});
