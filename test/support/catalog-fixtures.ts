/** Hand-made catalog entries for tests that need a table without a database. */
import type { ColumnInfo } from '../../src/source/catalog.js';

/** A nullable text column, with whatever `overrides` say. */
export function column(name: string, overrides: Partial<ColumnInfo> = {}): ColumnInfo {
  return {
    name,
    position: 1,
    type: 'text',
    category: 'S',
    typeName: 'text',
    notNull: false,
    defaultExpr: null,
    identity: '',
    generated: '',
    comment: null,
    enumLabels: null,
    allowedValues: null,
    isPrimaryKey: false,
    isUnique: false,
    foreignKeys: [],
    ...overrides,
  };
}
