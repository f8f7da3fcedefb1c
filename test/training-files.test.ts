/**
 * The existing trainer's file kinds and pair formats (`vector/training-files.ts`): which names are
 * training files, JSON pairs with keys in any case, and `Question:` / `SQL:` blocks.
 */
import { describe, expect, it } from 'vitest';
import { jsonFilePairs, questionSqlBlocks, trainingFileKind } from '../src/vector/training-files.js';

describe('the trainer’s training files', () => {
  it('tells the kind of a file by its name, as the trainer does', () => {
    expect(trainingFileKind('orders.ddl')).toBe('ddl');
    expect(trainingFileKind('Orders.DDL')).toBe('ddl');
    expect(trainingFileKind('orders_detail.md')).toBe('documentation');
    expect(trainingFileKind('guide.markdown')).toBe('documentation');
    expect(trainingFileKind('qs_shop_20250101_120000_pair.json')).toBe('pairs_json');
    expect(trainingFileKind('more_pairs.json')).toBe('pairs_json');
    expect(trainingFileKind('extra_pair.sql')).toBe('pairs_sql');
    expect(trainingFileKind('extra_PAIRS.sql')).toBe('pairs_sql');
    expect(trainingFileKind('examples.sql')).toBe('sql_without_questions');
    for (const name of ['task_config.json', 'metadata.txt', 'data_pipeline.log', 'qs_x_pair.json.backup']) expect(trainingFileKind(name)).toBe('other');
  });

  it('reads JSON pairs whose keys are in any case, and counts the entries it leaves out', () => {
    expect(
      jsonFilePairs([
        { Question: ' How many? ', SQL: ' SELECT 1 ' },
        { question: 'Only a question' },
        { question: '', sql: 'SELECT 2' },
        'not an object',
        { QUESTION: 'Numbers too', sql: 42 },
      ]),
    ).toEqual({
      pairs: [
        { question: 'How many?', sql: 'SELECT 1' },
        { question: 'Numbers too', sql: '42' },
      ],
      skipped: 3,
    });
    expect(jsonFilePairs({ question: 'q', sql: 's' })).toEqual({ pairs: [], skipped: 0 });
  });

  it('reads Question/SQL blocks: SQL over several lines, markers in any case, blocks with a missing part counted', () => {
    const text = [
      '-- a header line before the first question is ignored',
      'Question: How many orders are there?',
      'SQL: SELECT count(*)',
      'FROM orders;',
      '',
      'question : Which stores',
      'are in Berlin?',
      'sql:',
      "SELECT name FROM stores WHERE city = 'Berlin'",
      '',
      'Question: No SQL here',
      '',
      'QUESTION: Last one',
      'SQL: SELECT 1',
    ].join('\n');
    expect(questionSqlBlocks(text)).toEqual({
      pairs: [
        { question: 'How many orders are there?', sql: 'SELECT count(*)\nFROM orders;' },
        { question: 'Which stores\nare in Berlin?', sql: "SELECT name FROM stores WHERE city = 'Berlin'" },
        { question: 'Last one', sql: 'SELECT 1' },
      ],
      skipped: 1,
    });
    expect(questionSqlBlocks('\uFEFFQuestion: q\r\nSQL: SELECT 1\r\n')).toEqual({ pairs: [{ question: 'q', sql: 'SELECT 1' }], skipped: 0 });
    expect(questionSqlBlocks('SELECT 1;')).toEqual({ pairs: [], skipped: 0 });
  });
});
