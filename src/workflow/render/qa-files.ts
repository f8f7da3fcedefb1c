/**
 * The files of step 2 besides the pair file: `metadata.txt` (a SQL script PostgreSQL runs),
 * `metadata_detail.md` (that table documented like the others) and `db_query_decision_prompt.txt`
 * (the business scope for a question classifier, in a fixed heading structure).
 */
import { quoteLiteral } from '../../sql/identifiers.js';
import type { TableDoc, Theme } from '../../llm/llm-provider.js';
import { labelColumns, measureColumns } from '../../llm/builtin/schema-roles.js';
import type { Language } from '../../util/language.js';
import { FILE_LABELS } from './labels.js';

function textArray(values: readonly string[]): string {
  return values.length ? `ARRAY[${values.map(quoteLiteral).join(', ')}]::text[]` : `'{}'::text[]`;
}

export function renderMetadataSql(themes: readonly Theme[], businessContext: string): string {
  const lines = [
    `-- Analysis themes of: ${businessContext.replace(/\s+/g, ' ')}`,
    '-- Written by qa_generation; a PostgreSQL script (psql -f metadata.txt).',
    'CREATE TABLE IF NOT EXISTS metadata (',
    '  id serial PRIMARY KEY,',
    '  topic_name varchar(100) NOT NULL,',
    '  description text,',
    '  related_tables text[],',
    '  biz_entities text[],',
    '  biz_metrics text[],',
    '  created_at timestamp DEFAULT CURRENT_TIMESTAMP',
    ');',
    '',
  ];
  for (const theme of themes) {
    lines.push(
      'INSERT INTO metadata (topic_name, description, related_tables, biz_entities, biz_metrics) VALUES (' +
        `${quoteLiteral(theme.topic_name.slice(0, 100))}, ${quoteLiteral(theme.description)}, ` +
        `${textArray(theme.related_tables)}, ${textArray(theme.biz_entities)}, ${textArray(theme.biz_metrics)});`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const METADATA_COLUMNS: Record<Language, [string, string, string][]> = {
  en: [
    ['id', 'serial', 'Theme id'],
    ['topic_name', 'varchar(100)', 'Name of the analysis theme'],
    ['description', 'text', 'What the theme analyses'],
    ['related_tables', 'text[]', 'Tables the theme uses'],
    ['biz_entities', 'text[]', 'Business entities of the theme'],
    ['biz_metrics', 'text[]', 'Business metrics of the theme'],
    ['created_at', 'timestamp', 'When the row was inserted'],
  ],
  zh: [
    ['id', 'serial', '主题编号'],
    ['topic_name', 'varchar(100)', '分析主题名称'],
    ['description', 'text', '主题分析内容描述'],
    ['related_tables', 'text[]', '主题涉及的表'],
    ['biz_entities', 'text[]', '主题涉及的业务实体'],
    ['biz_metrics', 'text[]', '主题涉及的业务指标'],
    ['created_at', 'timestamp', '记录插入时间'],
  ],
};

export function renderMetadataMarkdown(themes: readonly Theme[], language: Language): string {
  const l = FILE_LABELS[language];
  const title = language === 'zh' ? '存储分析主题元数据' : 'analysis themes';
  const description =
    language === 'zh'
      ? '存储分析主题元数据，每行一个分析主题及其涉及的表、实体和指标。'
      : 'Analysis themes, one row per theme with its tables, entities and metrics.';
  const examples: Record<string, string[]> = {
    topic_name: themes.slice(0, 2).map((t) => t.topic_name),
    related_tables: themes.slice(0, 1).map((t) => `{${t.related_tables.join(',')}}`),
  };
  const lines = [`## metadata${l.open}${title}${l.close}`, l.mdTableLine('metadata', description), l.mdColumns];
  for (const [name, type, comment] of METADATA_COLUMNS[language]) {
    const flags = name === 'id' ? ` [${l.primaryKey}, ${l.notNull}]` : name === 'topic_name' ? ` [${l.notNull}]` : '';
    const ex = examples[name]?.length ? ` [${l.examples}: ${examples[name]?.join(', ')}]` : '';
    lines.push(`- ${name} (${type}) - ${comment}${flags}${ex}`);
  }
  lines.push(l.mdNotes, `- ${l.noteIsPrimaryKey('id')}`);
  return `${lines.join('\n')}\n`;
}

/** Business scope for a classifier that decides whether a question is about this database. */
export function renderDecisionPrompt(docs: readonly TableDoc[], themes: readonly Theme[], businessContext: string, language: Language): string {
  const zh = language === 'zh';
  const entities = docs.map((doc) => {
    const fields = [...labelColumns(doc.table), ...doc.table.columns.filter((c) => doc.enumValues[c.name])]
      .map((c) => c.name)
      .filter((name, i, all) => all.indexOf(name) === i)
      .slice(0, 5);
    return `- ${doc.sqlName}: ${doc.tableComment}${zh ? `（主要字段：${fields.join('、')}）` : ` (main fields: ${fields.join(', ')})`}`;
  });
  const metrics = themes.flatMap((theme) => {
    const tables = docs.filter((d) => theme.related_tables.includes(d.sqlName));
    const fields = tables.flatMap((t) => measureColumns(t).map((c) => `${t.sqlName}.${c.name}`)).slice(0, 5);
    const names = theme.biz_metrics.slice(0, 4).join(zh ? '、' : ', ');
    return [
      `- ${theme.topic_name}: ${names || theme.description}${fields.length ? (zh ? `（主要字段：${fields.join('、')}）` : ` (main fields: ${fields.join(', ')})`) : ''}`,
    ];
  });
  const context = businessContext.replace(/\s+/g, ' ').trim();
  return zh
    ? [
        '=== 数据库业务范围 ===',
        `当前数据库存储的是${context}的相关数据，共 ${docs.length} 张表，包含以下业务数据：`,
        '核心业务实体：',
        ...entities,
        '关键业务指标：',
        ...metrics,
        '',
      ].join('\n')
    : [
        '=== Database business scope ===',
        `This database holds data about: ${context}. It has ${docs.length} tables with the following business data:`,
        'Core business entities:',
        ...entities,
        'Key business metrics:',
        ...metrics,
        '',
      ].join('\n');
}
