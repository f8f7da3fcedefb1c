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
    listSeparator: '、',
    open: '（',
    close: '）',
  },
};
