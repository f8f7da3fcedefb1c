/**
 * The training files the existing trainer (`run_training --data_path`) recognises in a directory,
 * by name, and the two pair formats it reads: a JSON array of `{"question", "sql"}` objects (keys
 * in any case) in `*_pair.json` / `*_pairs.json`, and `Question: …` / `SQL: …` blocks in
 * `*_pair.sql` / `*_pairs.sql`.
 */

export type TrainingFileKind =
  /** `.ddl`: split into statements. */
  | 'ddl'
  /** `.md`, `.markdown`: split at headings. */
  | 'documentation'
  /** `*_pair.json`, `*_pairs.json`. */
  | 'pairs_json'
  /** `*_pair.sql`, `*_pairs.sql`: Question/SQL blocks. */
  | 'pairs_sql'
  /** Any other `.sql`: SQL without questions (the trainer had an LLM invent them; not loaded here). */
  | 'sql_without_questions'
  /** Anything else: not training data. */
  | 'other';

export function trainingFileKind(name: string): TrainingFileKind {
  const lower = name.toLowerCase();
  if (lower.endsWith('.ddl')) return 'ddl';
  if (lower.endsWith('.md') || lower.endsWith('.markdown')) return 'documentation';
  if (lower.endsWith('_pair.json') || lower.endsWith('_pairs.json')) return 'pairs_json';
  if (lower.endsWith('_pair.sql') || lower.endsWith('_pairs.sql')) return 'pairs_sql';
  if (lower.endsWith('.sql')) return 'sql_without_questions';
  return 'other';
}

export interface QuestionSql {
  question: string;
  sql: string;
}

/**
 * The pairs of a JSON pair file's parsed content: entries with a `question` and a `sql` key (any
 * case), both non-empty once trimmed; other entries are left out and counted.
 */
export function jsonFilePairs(data: unknown): { pairs: QuestionSql[]; skipped: number } {
  if (!Array.isArray(data)) return { pairs: [], skipped: 0 };
  const pairs: QuestionSql[] = [];
  let skipped = 0;
  for (const entry of data) {
    const found: Partial<QuestionSql> = {};
    if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
      for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
        const lower = key.toLowerCase();
        if ((lower === 'question' || lower === 'sql') && (typeof value === 'string' || typeof value === 'number')) found[lower] = String(value).trim();
      }
    }
    if (found.question && found.sql) pairs.push({ question: found.question, sql: found.sql });
    else skipped += 1;
  }
  return { pairs, skipped };
}

const QUESTION_MARK = /^\s*question\s*:/i;
const SQL_MARK = /^\s*sql\s*:/i;

/**
 * The pairs of a `*_pair.sql` file: each starts at a line beginning `Question:` (any case); its
 * SQL starts at the next line beginning `SQL:` and runs, over several lines if need be, to the
 * next `Question:` line. A block without both parts is left out and counted.
 */
export function questionSqlBlocks(text: string): { pairs: QuestionSql[]; skipped: number } {
  const blocks: { question: string[]; sql: string[] | undefined }[] = [];
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const current = blocks.at(-1);
    if (QUESTION_MARK.test(line)) blocks.push({ question: [line.replace(QUESTION_MARK, '')], sql: undefined });
    else if (current && current.sql === undefined && SQL_MARK.test(line)) current.sql = [line.replace(SQL_MARK, '')];
    else if (current?.sql) current.sql.push(line);
    else current?.question.push(line);
  }
  const pairs: QuestionSql[] = [];
  let skipped = 0;
  for (const block of blocks) {
    const question = block.question.join('\n').trim();
    const sql = block.sql?.join('\n').trim() ?? '';
    if (question && sql) pairs.push({ question, sql });
    else skipped += 1;
  }
  return { pairs, skipped };
}
