/**
 * Prompts of the openai provider. Each asks for one JSON object whose shape is given in the
 * prompt and checked by the schemas in replies.ts.
 */
import type { ColumnInfo } from '../../source/catalog.js';
import type { SampleRow } from '../../source/sampling.js';
import type { Language } from '../../util/language.js';
import type { ChatMessage } from './chat-client.js';
import type { PairRequest, RepairRequest, TableCommentRequest, ThemeRequest } from '../llm-provider.js';

const LANGUAGE_RULE: Record<Language, string> = {
  en: 'Write every comment, description and question in English.',
  zh: 'Write every comment, description and question in Simplified Chinese (简体中文).',
};

function system(language: Language, role: string): ChatMessage {
  return {
    role: 'system',
    content: `${role} Reply with one JSON object only, no prose, no markdown fences. ${LANGUAGE_RULE[language]}`,
  };
}

/** Declared values as a prompt shows them: a long list would crowd out the rest of the table. */
const MAX_VALUES_SHOWN = 30;

function someValues(values: readonly string[]): string {
  const shown = values.slice(0, MAX_VALUES_SHOWN).join(', ');
  return values.length > MAX_VALUES_SHOWN ? `${shown}, … (${values.length - MAX_VALUES_SHOWN} more)` : shown;
}

function columnLine(column: ColumnInfo, samples: SampleRow[]): string {
  const flags = [
    column.isPrimaryKey ? 'primary key' : '',
    column.notNull ? 'not null' : '',
    ...column.foreignKeys.map((fk) => `references ${fk.refSchema}.${fk.refTable}(${fk.refColumns.join(', ')})`),
    column.enumLabels ? `enum type values: ${someValues(column.enumLabels)}` : '',
    column.allowedValues ? `values allowed by a CHECK: ${someValues(column.allowedValues)}` : '',
  ].filter(Boolean);
  const values = [...new Set(samples.map((row) => row[column.name]).filter((v): v is string => v !== null && v !== undefined))]
    .slice(0, 5)
    .map((v) => (v.length > 40 ? `${v.slice(0, 40)}…` : v));
  const existing = column.comment ? ` existing comment: "${column.comment}";` : '';
  return `- ${column.name} (${column.type}${flags.length ? `; ${flags.join('; ')}` : ''});${existing} samples: ${values.join(' | ') || '(none)'}`;
}

export function tableCommentPrompt(request: TableCommentRequest): ChatMessage[] {
  const { table, samples } = request;
  return [
    system(request.language, 'You document PostgreSQL tables for analysts.'),
    {
      role: 'user',
      content: [
        `Business context: ${request.businessContext}`,
        `Table: ${table.schema}.${table.name} (${table.kind})${table.comment ? `; existing comment: "${table.comment}"` : ''}`,
        `Columns:`,
        ...table.columns.map((c) => columnLine(c, samples)),
        '',
        'Write a short table comment (one sentence saying what one row is) and a short comment for every column',
        '(a few words; what the value means, with its unit if any). Also list the columns that hold a small fixed',
        'set of values (status, type, category codes...).',
        'Reply exactly in this shape, with every column name spelled as given:',
        '{"table_comment": "...", "columns": {"<column name>": "<comment>", ...}, "enum_columns": ["<column name>", ...]}',
      ].join('\n'),
    },
  ];
}

function tableSection(doc: { markdown: string; ddl: string }): string {
  return `${doc.ddl.trim()}\n\n${doc.markdown.trim()}`;
}

export function themesPrompt(request: ThemeRequest): ChatMessage[] {
  return [
    system(request.language, 'You are a data analyst planning questions about a database.'),
    {
      role: 'user',
      content: [
        `Business context: ${request.businessContext}`,
        `The database has these tables:`,
        ...request.tables.map((t) => `### ${t.sqlName}\n${t.markdown.trim()}`),
        '',
        `Propose ${request.count} analysis themes. Each theme groups 1 to 5 related tables that are analysed together.`,
        'Use table names exactly as in the headings. Every table should belong to at least one theme.',
        'Reply exactly in this shape:',
        '{"themes": [{"topic_name": "...", "description": "...", "related_tables": ["..."], "biz_entities": ["..."], "biz_metrics": ["..."]}]}',
      ].join('\n'),
    },
  ];
}

export function pairsPrompt(request: PairRequest): ChatMessage[] {
  const { theme } = request;
  return [
    system(request.language, 'You write PostgreSQL queries that answer business questions.'),
    {
      role: 'user',
      content: [
        `Business context: ${request.businessContext}`,
        `Theme: ${theme.topic_name}: ${theme.description}`,
        `Entities: ${theme.biz_entities.join(', ')}; metrics: ${theme.biz_metrics.join(', ')}`,
        'Tables (DDL and documentation):',
        ...request.tables.map(tableSection),
        '',
        `Write ${request.count} different questions a business user would ask about this theme, each with one PostgreSQL`,
        'SELECT statement answering it. Rules: only the tables and columns above, spelled exactly (quote mixed-case names);',
        'exclude soft-deleted rows where a deleted_at or similar column exists; give aggregates readable aliases;',
        'ORDER BY with a tie-breaker and LIMIT for rankings; one statement each, no semicolons inside.',
        'Reply exactly in this shape:',
        '{"pairs": [{"question": "...", "sql": "SELECT ..."}]}',
      ].join('\n'),
    },
  ];
}

export function repairPrompt(request: RepairRequest): ChatMessage[] {
  return [
    system(request.language, 'You fix PostgreSQL SELECT statements that fail.'),
    {
      role: 'user',
      content: [
        'Schema of the tables involved:',
        request.ddl.trim(),
        '',
        'Each item below failed with the error shown. Rewrite its SQL so that it runs on this schema and still',
        'answers the question. Keep one SELECT (or WITH … SELECT) statement per item. Keep each id.',
        JSON.stringify(request.items.map((i) => ({ id: i.id, question: i.question, sql: i.sql, error: i.error }))),
        'Reply exactly in this shape, one entry per item you can fix:',
        '{"repairs": [{"id": "...", "sql": "SELECT ..."}]}',
      ].join('\n'),
    },
  ];
}
