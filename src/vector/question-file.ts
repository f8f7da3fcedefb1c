/**
 * A question file for measuring retrieval (`data-pipeline eval`): JSON Lines, one
 * `{"question": "...", "tables": ["orders", "hr.employees"]}` per line, written by a person; blank
 * lines are skipped. A bad line is an error naming its number, the field and what is accepted.
 */

export interface EvalQuestion {
  /** 1-based line number in the file. */
  line: number;
  question: string;
  tables: string[];
}

const FIELDS = ['question', 'tables'];
const EXAMPLE = '{"question": "How many orders did each store take last month?", "tables": ["orders", "stores"]}';

export class QuestionFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuestionFileError';
  }
}

const typeName = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

/** The questions of the file's text; `file` names it in errors. */
export function parseQuestionFile(text: string, file: string): EvalQuestion[] {
  const questions: EvalQuestion[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    const fail = (problem: string): never => {
      throw new QuestionFileError(`${file} line ${line}: ${problem}`);
    };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      fail(`not valid JSON (${error instanceof Error ? error.message : String(error)}); each line is one object like ${EXAMPLE}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`must be a JSON object like ${EXAMPLE}, got ${typeName(value)}`);
    const record = value as Record<string, unknown>;
    const unknown = Object.keys(record).filter((k) => !FIELDS.includes(k));
    if (unknown.length) fail(`unknown field ${unknown.map((k) => `"${k}"`).join(', ')}; accepted: question, tables`);
    const { question, tables } = record;
    if (typeof question !== 'string' || question.trim() === '') {
      fail(
        `"question" must be a non-empty string, got ${question === undefined ? 'nothing' : typeof question === 'string' ? 'an empty one' : typeName(question)}`,
      );
    }
    if (!Array.isArray(tables) || tables.length === 0) {
      fail(
        `"tables" must be a non-empty array of table names (e.g. ["orders", "hr.employees"]), got ${tables === undefined ? 'nothing' : Array.isArray(tables) ? 'an empty array' : typeName(tables)}`,
      );
    }
    (tables as unknown[]).forEach((t, i) => {
      if (typeof t !== 'string' || t.trim() === '')
        fail(`"tables"[${i}] must be a table name ("table" or "schema.table"), got ${typeof t === 'string' ? 'an empty name' : typeName(t)}`);
    });
    questions.push({ line, question: (question as string).trim(), tables: (tables as string[]).map((t) => t.trim()) });
  });
  if (questions.length === 0) throw new QuestionFileError(`${file}: no questions (one JSON object per line, like ${EXAMPLE})`);
  return questions;
}
