/** Fixed labels of the files we write, per output language (Chinese labels for zh, as existing readers expect). */
import type { Language } from '../../util/language.js';

export interface FileLabels {
  ddlName: string;
  ddlDescription: string;
  ddlColumns: string;
  mdColumns: string;
  mdNotes: string;
  mdTableLine: (name: string, description: string) => string;
  primaryKey: string;
  notNull: string;
  foreignKey: string;
  unique: string;
  examples: string;
  noteIsPrimaryKey: (columns: string) => string;
  noteIsEnum: (column: string, values: string[]) => string;
  noteReferences: (columns: string, target: string) => string;
  noteSoftDelete: (column: string) => string;
  noteRows: (rows: string) => string;
  /** The comment above the definitions of the user-defined types in a `.ddl`. */
  ddlTypes: string;
  noteEnumType: (type: string, columns: string, values: string[]) => string;
  noteDomainType: (type: string, columns: string, base: string, rules: string[]) => string;
  noteCompositeType: (type: string, columns: string, attributes: string) => string;
  notePartitioned: (table: string, key: string, count: number) => string;
  noteMorePartitions: (count: number) => string;
  noteInheritedBy: (table: string, children: string) => string;
  listSeparator: string;
  open: string;
  close: string;
}

export const FILE_LABELS: Record<Language, FileLabels> = {
  en: {
    ddlName: 'Name',
    ddlDescription: 'Description',
    ddlColumns: 'Columns',
    mdColumns: 'Columns:',
    mdNotes: 'Notes:',
    mdTableLine: (name, description) => `Table ${name}: ${description}`,
    primaryKey: 'primary key',
    notNull: 'not null',
    foreignKey: 'foreign key',
    unique: 'unique',
    examples: 'examples',
    noteIsPrimaryKey: (columns) => `${columns} is the primary key`,
    noteIsEnum: (column, values) => `${column} is an enumeration with values: ${values.join(', ')}`,
    noteReferences: (columns, target) => `${columns} references ${target}`,
    noteSoftDelete: (column) => `rows with ${column} set are soft-deleted`,
    noteRows: (rows) => `about ${rows} rows`,
    ddlTypes: 'User-defined types of its columns, created unless they exist:',
    noteEnumType: (type, columns, values) => `type ${type} (of ${columns}) is an enum type; its values, in their order: ${values.join(', ')}`,
    noteDomainType: (type, columns, base, rules) =>
      `type ${type} (of ${columns}) is a domain over ${base}${rules.length ? `; its values satisfy ${rules.join(' and ')}` : ''}`,
    noteCompositeType: (type, columns, attributes) => `type ${type} (of ${columns}) is a composite type (${attributes}); read a field as (column).field`,
    notePartitioned: (table, key, count) =>
      `${table} is partitioned by ${key} into ${count} partition(s); query ${table} itself, which holds the rows of all of them:`,
    noteMorePartitions: (count) => `… and ${count} more`,
    noteInheritedBy: (table, children) => `${table} is inherited by ${children}: selecting from ${table} includes their rows (ONLY ${table} reads its own)`,
    listSeparator: ', ',
    open: ' (',
    close: ')',
  },
  zh: {
    ddlName: '中文名',
    ddlDescription: '描述',
    ddlColumns: '字段',
    mdColumns: '字段列表：',
    mdNotes: '字段补充说明：',
    mdTableLine: (name, description) => `${name} 表${description}`,
    primaryKey: '主键',
    notNull: '非空',
    foreignKey: '外键',
    unique: '唯一',
    examples: '示例',
    noteIsPrimaryKey: (columns) => `${columns} 为主键`,
    noteIsEnum: (column, values) => `${column} 为枚举字段，包含取值：${values.join('、')}`,
    noteReferences: (columns, target) => `${columns} 关联 ${target}`,
    noteSoftDelete: (column) => `${column} 不为空的行为已删除数据（软删除）`,
    noteRows: (rows) => `约 ${rows} 行数据`,
    ddlTypes: '字段使用的自定义类型（不存在时创建）：',
    noteEnumType: (type, columns, values) => `类型 ${type}（字段 ${columns}）为枚举类型，取值依次为：${values.join('、')}`,
    noteDomainType: (type, columns, base, rules) =>
      `类型 ${type}（字段 ${columns}）为基于 ${base} 的域类型${rules.length ? `，取值须满足 ${rules.join(' 且 ')}` : ''}`,
    noteCompositeType: (type, columns, attributes) => `类型 ${type}（字段 ${columns}）为复合类型（${attributes}），以 (字段).属性 读取`,
    notePartitioned: (table, key, count) => `${table} 为分区表，按 ${key} 分为 ${count} 个分区；查询时直接使用 ${table}，它包含所有分区的数据：`,
    noteMorePartitions: (count) => `……另有 ${count} 个分区`,
    noteInheritedBy: (table, children) => `${table} 有继承子表 ${children}：查询 ${table} 时包含子表的数据（ONLY ${table} 只查本表）`,
    listSeparator: '、',
    open: '（',
    close: '）',
  },
};
