/**
 * A well-behaved LLM for the scripted OpenAI-compatible server (tests and benchmarks).
 *
 * `answerWell` recognises which of the openai provider's four prompts it received (table comments,
 * themes, pairs, SQL repair; see src/llm/openai/prompts.ts) and answers with valid JSON of the
 * expected shape, built ONLY from the text of the prompt: no database, no project modules.
 * Deterministic: the same prompt always gets the same answer.
 *
 * Use it as the server's default answer (`startScriptedOpenAI({ defaultChat: answerWell })`) or
 * call the `*Answer` builders to derive a scripted variant (reordered, with extra entries, ...).
 */
import type { Behaviour, ChatRequestInfo } from './scripted-openai-server.js';
import { editDistance } from '../../src/llm/builtin/builtin-repair.js';

export type PromptKind = 'table_comments' | 'themes' | 'pairs' | 'repair';

export interface TableCommentsAnswer {
  table_comment: string;
  columns: Record<string, string>;
  enum_columns: string[];
}

export interface ThemeAnswer {
  topic_name: string;
  description: string;
  related_tables: string[];
  biz_entities: string[];
  biz_metrics: string[];
}

export interface PairAnswer {
  question: string;
  sql: string;
}

/** One item of a repair prompt, as the prompt lists it. */
export interface RepairPromptItem {
  id: string;
  question: string;
  sql: string;
  error: string;
}

export interface RepairAnswer {
  id: string;
  sql: string;
}

/** A column of a relation as written in DDL text (`"NPS_Score"` keeps its quotes). */
export interface DdlColumn {
  name: string;
  type: string;
}

/** A relation found in DDL text: `create table <name> (` or `create [materialized] view <name> as`. */
export interface DdlRelation {
  /** As written in the DDL, e.g. `public.orders`, `public."CustomerFeedback"`. */
  name: string;
  kind: 'table' | 'view';
  columns: DdlColumn[];
}

// ---------------------------------------------------------------------------------------------
// Recognising the prompt
// ---------------------------------------------------------------------------------------------

/** Markers of the four prompts: the reply shape each asks for, and its system role. */
const SHAPE_MARKERS: [PromptKind, RegExp][] = [
  ['table_comments', /\{"table_comment":/],
  ['themes', /\{"themes":/],
  ['pairs', /\{"pairs":/],
  ['repair', /\{"repairs":/],
];
const ROLE_MARKERS: [PromptKind, RegExp][] = [
  ['table_comments', /You document PostgreSQL tables/i],
  ['themes', /planning questions about a database/i],
  ['pairs', /You write PostgreSQL queries/i],
  ['repair', /You fix PostgreSQL SELECT statements/i],
];

/**
 * The prompt text: the first user message (a re-ask appends the model's reply and a complaint
 * after it, so the original prompt stays first).
 */
export function promptText(req: ChatRequestInfo): string {
  return req.messages.find((m) => m.role === 'user')?.content ?? '';
}

function systemText(req: ChatRequestInfo): string {
  return req.messages.find((m) => m.role === 'system')?.content ?? '';
}

/** Which of our prompts this request carries, or undefined for anything else. */
export function detectPromptKind(req: ChatRequestInfo): PromptKind | undefined {
  const prompt = promptText(req);
  for (const [kind, marker] of SHAPE_MARKERS) if (marker.test(prompt)) return kind;
  const role = systemText(req);
  for (const [kind, marker] of ROLE_MARKERS) if (marker.test(role)) return kind;
  return undefined;
}

/** True when the request is a re-ask (the client complained about an earlier reply). */
export function isReask(req: ChatRequestInfo): boolean {
  return req.messages.some((m) => m.role === 'assistant');
}

function isChinese(req: ChatRequestInfo): boolean {
  return /简体中文|Simplified Chinese/.test(systemText(req));
}

// ---------------------------------------------------------------------------------------------
// Small text helpers
// ---------------------------------------------------------------------------------------------

/** Words of an identifier: `"NPS_Score"` → `nps score`, `order_number` → `order number`. */
function humanise(name: string): string {
  return unquote(name)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_\s]+/g, ' ')
    .trim()
    .toLowerCase();
}

function unquote(name: string): string {
  return /^".*"$/.test(name) ? name.slice(1, -1).replace(/""/g, '"') : name;
}

/** The last part of a possibly qualified name, unquoted: `public."CustomerFeedback"` → `CustomerFeedback`. */
function baseName(qualified: string): string {
  const parts = splitQualified(qualified);
  return unquote(parts[parts.length - 1] ?? qualified);
}

/** Splits `a."b.c"` into [`a`, `"b.c"`], respecting quotes. */
function splitQualified(name: string): string[] {
  return name.match(/"(?:[^"]|"")*"|[^.]+/g) ?? [name];
}

/** The option closest to `name` (case-insensitive, quotes ignored), if close enough to be a typo. */
function closest<T>(name: string, options: T[], key: (option: T) => string): T | undefined {
  const wanted = unquote(name).toLowerCase();
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  let best: { option: T; distance: number } | undefined;
  for (const option of options) {
    const distance = editDistance(wanted, unquote(key(option)).toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { option, distance };
  }
  return best?.option;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces an identifier (bare or quoted, after a `.` or not) outside string literals. */
function replaceIdentifier(sql: string, from: string, to: string): string {
  const escaped = escapeRegExp(unquote(from));
  const pattern = new RegExp(`('(?:[^']|'')*')|"${escaped}"|(?<![\\w"$])${escaped}(?![\\w"$])`, 'gi');
  return sql.replace(pattern, (match, literal: string | undefined) => (literal ? match : to));
}

// ---------------------------------------------------------------------------------------------
// Table comments
// ---------------------------------------------------------------------------------------------

/** The type at the start of `(type; flags); samples…`: up to the first `;` or unbalanced `)`. */
function leadingType(rest: string): string {
  let depth = 0;
  for (let i = 0; i < rest.length; i += 1) {
    const ch = rest[i];
    if (ch === '(') depth += 1;
    else if (ch === ')' && depth === 0) return rest.slice(0, i).trim();
    else if (ch === ')') depth -= 1;
    else if (ch === ';' && depth === 0) return rest.slice(0, i).trim();
  }
  return rest.trim();
}

/** The column lines of a table-comment prompt: `- name (type...`, name kept exactly as written. */
export function parseColumnLines(prompt: string): DdlColumn[] {
  const lines = prompt.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'Columns:');
  const columns: DdlColumn[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const match = /^- (.+?) \((.*)$/.exec(line);
    if (!match?.[1]) continue;
    columns.push({ name: match[1], type: leadingType(match[2] ?? '') });
  }
  return columns;
}

const ENUM_NAME = /(status|tier|channel|method)$/i;

export function commentsAnswer(req: ChatRequestInfo): TableCommentsAnswer {
  const prompt = promptText(req);
  const table = /^Table: (.+?) \(/m.exec(prompt)?.[1] ?? 'the table';
  const noun = humanise(baseName(table));
  const zh = isChinese(req);
  const columns: Record<string, string> = {};
  for (const column of parseColumnLines(prompt)) {
    const words = humanise(column.name);
    columns[column.name] = zh ? `${noun}的${words}（${column.type}）` : `The ${words} of the ${noun} (${column.type})`;
  }
  return {
    table_comment: zh ? `每行是一条${noun}记录。` : `One row per ${noun} record.`,
    columns,
    enum_columns: Object.keys(columns).filter((name) => ENUM_NAME.test(unquote(name))),
  };
}

// ---------------------------------------------------------------------------------------------
// Themes
// ---------------------------------------------------------------------------------------------

/** The `### <table>` headings of a themes prompt, exactly as written. */
export function parseThemeHeadings(prompt: string): string[] {
  return [...prompt.matchAll(/^### (.+)$/gm)].map((m) => (m[1] as string).trim());
}

export function themesAnswer(req: ChatRequestInfo): { themes: ThemeAnswer[] } {
  const prompt = promptText(req);
  const tables = parseThemeHeadings(prompt);
  const requested = Number(/Propose (\d+) analysis themes/.exec(prompt)?.[1] ?? 3);
  if (tables.length === 0) return { themes: [] };
  // About three themes, each of 1 to 5 tables, every table in one of them.
  const count = Math.min(tables.length, Math.max(Math.min(3, requested), Math.ceil(tables.length / 5)));
  const size = Math.ceil(tables.length / count);
  const zh = isChinese(req);
  const themes: ThemeAnswer[] = [];
  for (let i = 0; i < tables.length; i += size) {
    const group = tables.slice(i, i + size);
    const names = group.map((t) => humanise(baseName(t)));
    themes.push({
      topic_name: zh ? `主题${themes.length + 1}：${names.join('、')}` : `Theme ${themes.length + 1}: ${names.join(', ')}`,
      description: zh ? `分析${names.join('、')}的数量与分布。` : `Counts and distributions of ${names.join(', ')}.`,
      related_tables: group,
      biz_entities: names,
      biz_metrics: [zh ? '行数' : 'row count'],
    });
  }
  return { themes };
}

// ---------------------------------------------------------------------------------------------
// Pairs
// ---------------------------------------------------------------------------------------------

/** An identifier token at the start of `text`: `"quoted ""name"""` or a bare word. */
function leadingIdentifier(text: string): string | undefined {
  return /^("(?:[^"]|"")*"|[^\s,()]+)/.exec(text)?.[1];
}

const CONSTRAINT_LINE = /^(primary key|unique|constraint|foreign key|check|exclude)\b/i;

/** The relations of DDL text as this project writes it (see render/table-files.ts). */
export function parseDdlRelations(text: string): DdlRelation[] {
  const lines = text.split('\n');
  const relations: DdlRelation[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] as string;
    const table = /^create table (.+?) \($/i.exec(line.trim());
    if (table?.[1]) {
      const columns: DdlColumn[] = [];
      for (let j = i + 1; j < lines.length; j += 1) {
        const body = (lines[j] as string).replace(/\s+--.*$/, '').trim();
        if (body.startsWith(')')) break;
        if (body === '' || CONSTRAINT_LINE.test(body)) continue;
        const name = leadingIdentifier(body);
        if (!name) continue;
        const type = body.slice(name.length).trim().split(/\s+/)[0]?.replace(/,$/, '') ?? '';
        columns.push({ name, type });
      }
      relations.push({ name: table[1], kind: 'table', columns });
      continue;
    }
    const view = /^create (?:materialized )?view (.+?) as$/i.exec(line.trim());
    if (view?.[1]) {
      // A view's columns are listed in `--   name type  -- comment` lines just above it.
      const columns: DdlColumn[] = [];
      for (let j = i - 1; j >= 0; j -= 1) {
        const comment = /^--\s{3}(.*)$/.exec(lines[j] as string);
        if (!comment?.[1]) break;
        const entry = comment[1].replace(/\s+--.*$/, '').trim();
        const name = leadingIdentifier(entry);
        if (name) columns.unshift({ name, type: entry.slice(name.length).trim() });
      }
      relations.push({ name: view[1], kind: 'view', columns });
    }
  }
  return relations;
}

/** Types without the equality/ordering GROUP BY and ORDER BY need. */
const UNGROUPABLE = /^(json|xml|point|line|lseg|box|path|polygon|circle)\b/i;

function pairCandidates(relation: DdlRelation, zh: boolean): PairAnswer[] {
  const t = relation.name;
  const noun = humanise(baseName(t));
  const out: PairAnswer[] = [
    {
      question: zh ? `${t}中一共有多少行？` : `How many rows does ${t} have?`,
      sql: `SELECT COUNT(*) AS n FROM ${t}`,
    },
  ];
  const groupable = relation.columns.filter((c) => !UNGROUPABLE.test(c.type));
  for (const column of groupable) {
    const c = column.name;
    const words = humanise(c);
    out.push({
      question: zh ? `按${words}统计${noun}的行数，前10个是哪些？` : `What are the 10 most frequent ${words} values in ${t}, with their row counts?`,
      sql: `SELECT ${c}, COUNT(*) AS n FROM ${t} GROUP BY ${c} ORDER BY n DESC, ${c} LIMIT 10`,
    });
  }
  for (const column of groupable) {
    const c = column.name;
    const words = humanise(c);
    out.push({
      question: zh ? `${t}中有多少个不同的${words}？` : `How many distinct ${words} values does ${t} have?`,
      sql: `SELECT COUNT(DISTINCT ${c}) AS distinct_values FROM ${t}`,
    });
  }
  return out;
}

export function pairsAnswer(req: ChatRequestInfo): { pairs: PairAnswer[] } {
  const prompt = promptText(req);
  const count = Number(/Write (\d+) different questions/.exec(prompt)?.[1] ?? 5);
  const zh = isChinese(req);
  const perTable = parseDdlRelations(prompt).map((r) => pairCandidates(r, zh));
  const pairs: PairAnswer[] = [];
  const seen = new Set<string>();
  // Round robin over the tables: every table gets its count, then its first group-by, ...
  const longest = Math.max(0, ...perTable.map((c) => c.length));
  for (let k = 0; k < longest && pairs.length < count; k += 1) {
    for (const candidates of perTable) {
      const pair = candidates[k];
      if (!pair || seen.has(pair.question) || pairs.length >= count) continue;
      seen.add(pair.question);
      pairs.push(pair);
    }
  }
  return { pairs };
}

// ---------------------------------------------------------------------------------------------
// SQL repair
// ---------------------------------------------------------------------------------------------

/** The items of a repair prompt: the JSON array line, as the client sent it. */
export function parseRepairItems(req: ChatRequestInfo): RepairPromptItem[] {
  const lines = promptText(req).split('\n');
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const line = (lines[i] as string).trim();
    if (!line.startsWith('[')) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (Array.isArray(value) && value.every((v) => typeof v === 'object' && v !== null && 'id' in v)) {
        return value.map((v: Record<string, unknown>) => ({
          id: String(v.id),
          question: typeof v.question === 'string' ? v.question : '',
          sql: typeof v.sql === 'string' ? v.sql : '',
          error: typeof v.error === 'string' ? v.error : '',
        }));
      }
    } catch {
      // not the items line
    }
  }
  return [];
}

/** The DDL section of a repair prompt (between the schema heading and the instructions). */
export function repairPromptDdl(req: ChatRequestInfo): string {
  const prompt = promptText(req);
  const start = prompt.indexOf('Schema of the tables involved:');
  const end = prompt.indexOf('Each item below failed');
  return prompt.slice(Math.max(start, 0), end < 0 ? undefined : end);
}

/**
 * A fixed SQL for one item, if the error names a misspelt column or table that the DDL can settle
 * (closest name by edit distance); undefined otherwise.
 */
export function repairOne(item: RepairPromptItem, ddl: string): string | undefined {
  const relations = parseDdlRelations(ddl);
  const column = /column "?(?:[^"\s.]+\.)?([^"\s]+)"? does not exist/i.exec(item.error);
  if (column?.[1]) {
    const columns = relations.flatMap((r) => r.columns);
    const best = closest(column[1], columns, (c) => c.name);
    if (best && unquote(best.name) !== column[1]) return replaceIdentifier(item.sql, column[1], best.name);
  }
  const relation = /relation "([^"]+)" does not exist/i.exec(item.error);
  if (relation?.[1]) {
    const wanted = relation[1];
    const best = closest(baseName(wanted), relations, (r) => baseName(r.name));
    if (best) return replaceIdentifier(item.sql, wanted.includes('.') ? wanted : baseName(wanted), best.name);
  }
  return undefined;
}

export function repairsAnswer(req: ChatRequestInfo): { repairs: RepairAnswer[] } {
  const ddl = repairPromptDdl(req);
  const repairs: RepairAnswer[] = [];
  for (const item of parseRepairItems(req)) {
    const sql = repairOne(item, ddl);
    if (sql && sql !== item.sql) repairs.push({ id: item.id, sql });
  }
  return { repairs };
}

// ---------------------------------------------------------------------------------------------
// The behaviour
// ---------------------------------------------------------------------------------------------

/** The JSON body a well-behaved model would reply with, or undefined for an unknown prompt. */
export function answerBody(req: ChatRequestInfo): unknown {
  switch (detectPromptKind(req)) {
    case 'table_comments':
      return commentsAnswer(req);
    case 'themes':
      return themesAnswer(req);
    case 'pairs':
      return pairsAnswer(req);
    case 'repair':
      return repairsAnswer(req);
    default:
      return undefined;
  }
}

/**
 * Answers any of our four prompts with valid JSON of the expected shape. An unrecognised prompt
 * gets HTTP 400, so a caller that sends something else notices at once.
 */
export function answerWell(req: ChatRequestInfo): Behaviour {
  const body = answerBody(req);
  if (body === undefined) {
    return { kind: 'status', status: 400, message: 'answerWell does not recognise this prompt' };
  }
  return { kind: 'json', body };
}
