/**
 * What the builtin generator's pairs read and cover, on the sample database and on a music-store
 * fixture (test/fixtures/music-store.sql) served by the real PostgreSQL: English questions a person
 * would type (plural nouns after "how many", no quoted or snake_case identifiers, articles), a mix
 * of SQL measured from PostgreSQL's parse tree (joins, filters, two joins, three difficulty
 * levels, no repeated shape), and Chinese questions with no English in them when the schema has
 * Chinese comments, or a warning in the run's result when it has none.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../src/config/settings.js';
import { SAMPLE_TABLES, SAMPLE_VIEWS } from '../src/source/sample/index.js';
import { ensureSqlParser } from '../src/sql/pg-parser.js';
import { sqlShape } from '../src/sql/sql-shape.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { runWorkflow, type WorkflowResult } from '../src/workflow/orchestrator.js';
import { workflowOptions } from '../src/workflow/run-options.js';
import { parseMarkdown } from '../src/workflow/render/table-files.js';
import { dedupePairs } from '../src/workflow/steps/qa-generation.js';
import { createSampleDatabaseOnServer, createScratchDatabase, makeTempDir, PROJECT_ROOT, testSettings, type ScratchDatabase } from './support/env.js';

const MUSIC_TABLES = ['artists', 'genres', 'media_types', 'albums', 'tracks', 'employees', 'customers', 'invoices', 'invoice_lines'].map((t) => `public.${t}`);
const SAMPLE_LISTED = [...SAMPLE_TABLES, ...SAMPLE_VIEWS];

/** A schema whose names no dictionary knows and that has no Chinese comment. */
const NO_CHINESE_SCHEMA = `
CREATE TABLE flurbs (flurb_id integer PRIMARY KEY, wibble text NOT NULL, zonk numeric(8,2) NOT NULL, frobbed_at date NOT NULL);
CREATE TABLE grommets (grommet_id integer PRIMARY KEY, flurb_id integer NOT NULL REFERENCES flurbs (flurb_id), snark text NOT NULL);
INSERT INTO flurbs SELECT i, 'w' || (i % 3), i * 1.5, date '2023-01-01' + i * 9 FROM generate_series(1, 40) i;
INSERT INTO grommets SELECT i, 1 + i % 40, 's' || i FROM generate_series(1, 90) i;
`;

interface Pair {
  question: string;
  sql: string;
  difficulty?: string;
}

interface Run {
  result: WorkflowResult;
  pairs: Pair[];
  dir: TaskDirectory;
}

async function loadScript(db: ScratchDatabase, ...scripts: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    for (const script of scripts) await client.query(script);
  } finally {
    await client.end();
  }
}

const fixture = (name: string) => fs.readFile(path.join(PROJECT_ROOT, 'test', 'fixtures', name), 'utf8');

async function generate(settings: Settings, url: string, taskId: string, tables: string[], language: 'en' | 'zh'): Promise<Run> {
  const dir = await TaskDirectory.open(path.join(settings.trainingDataDir, taskId), { create: true });
  await dir.writeFile('table_list.txt', `${tables.join('\n')}\n`);
  const options = workflowOptions({ task_id: taskId, db_connection: url, business_context: 'test', language, enable_training_data_load: false });
  const result = await runWorkflow({ dir, settings, options, mode: 'complete' });
  const file = (await dir.fileNames((n) => n.endsWith('_pair.json')))[0];
  const pairs = file ? (JSON.parse(await dir.readText(file)) as Pair[]) : [];
  return { result, pairs, dir };
}

// ---- the grammar check, written independently of the generator's own word lists --------------

const IRREGULAR_PLURALS = new Set(['people', 'children', 'men', 'women', 'data', 'media', 'series', 'species']);

function looksPlural(word: string): boolean {
  const w = word.toLowerCase();
  return IRREGULAR_PLURALS.has(w) || (/s$/.test(w) && !/(ss|us|is)$/.test(w));
}

/** The head noun after "how many" (the word before the verb), or undefined when there is no "how many". */
function nounAfterHowMany(question: string): string | undefined {
  const match = /\bhow many ((?:[A-Za-z]+ )*?)(?:are|were|is|was|have|has|does|do|did|belong)\b/i.exec(question);
  if (!/\bhow many\b/i.test(question)) return undefined;
  return match?.[1]?.trim().split(' ').at(-1) ?? '(no noun)';
}

/** What is wrong with an English question, or an empty list. */
function grammarProblems(question: string, singularTableNouns: Set<string>): string[] {
  const problems: string[] = [];
  const noun = nounAfterHowMany(question);
  if (noun !== undefined && !looksPlural(noun)) problems.push(`"${noun}" after "how many" is not plural`);
  if (noun !== undefined && singularTableNouns.has(noun.toLowerCase())) problems.push(`singular table noun "${noun}" after "how many"`);
  if (/["`“”]|'[^']*'/.test(question)) problems.push('quotes (an identifier or value in quotes)');
  if (/\b[A-Za-z0-9]+_[A-Za-z0-9_]+\b/.test(question)) problems.push('a snake_case identifier');
  if (/\b[a-z]+[A-Z][A-Za-z]*\b|\b[A-Z][a-z]+[A-Z][A-Za-z]*\b/.test(question)) problems.push('a camelCase identifier');
  if (/\ba (?!uni|use|usu|one|eu)[aeiou]/i.test(question)) problems.push('"a" before a vowel');
  if (/\ban (?![aeiou]|hour|honest|[AEFHILMNORSX][A-Z])/.test(question)) problems.push('"an" before a consonant');
  if (!/^[A-Z].*\?$/.test(question)) problems.push('not a capitalised question ending in "?"');
  return problems;
}

/** Table names as singular nouns (`album`, `invoice line`), the words a wrong "how many" would use. */
function singularNouns(tables: string[]): Set<string> {
  return new Set(
    tables.map((t) => {
      const last = (t.split('.').at(-1) as string)
        .replace(/^(v|mv)_/, '')
        .split('_')
        .at(-1) as string;
      return last.replace(/ies$/, 'y').replace(/s$/, '').toLowerCase();
    }),
  );
}

// ---- the mix of SQL ------------------------------------------------------------------------------

interface Mix {
  pairs: number;
  join: number;
  filter: number;
  multiJoin: number;
  difficulties: string[];
  distinctShapes: number;
}

function mixOf(pairs: Pair[]): Mix {
  const shapes = pairs.map((p) => {
    const shape = sqlShape(p.sql);
    if (!shape) throw new Error(`SQL does not parse: ${p.sql}`);
    return shape;
  });
  const share = (n: number) => n / pairs.length;
  return {
    pairs: pairs.length,
    join: share(shapes.filter((s) => s.joins > 0).length),
    filter: share(shapes.filter((s) => s.filter).length),
    multiJoin: share(shapes.filter((s) => s.joins >= 2).length),
    difficulties: [...new Set(shapes.map((s) => s.difficulty))].sort(),
    distinctShapes: new Set(shapes.map((s) => s.fingerprint)).size,
  };
}

function expectMix(pairs: Pair[]): void {
  const mix = mixOf(pairs);
  // Printed so a run shows the figures the issue asks for.
  console.log(JSON.stringify(mix));
  expect(mix.pairs).toBeGreaterThanOrEqual(20);
  expect(mix.join).toBeGreaterThanOrEqual(0.3);
  expect(mix.filter).toBeGreaterThanOrEqual(0.3);
  expect(mix.multiJoin).toBeGreaterThanOrEqual(0.1);
  expect(mix.difficulties).toEqual(['easy', 'hard', 'medium']);
  expect(mix.distinctShapes).toBe(pairs.length);
  for (const pair of pairs) expect(pair.difficulty, pair.sql).toBe(sqlShape(pair.sql)?.difficulty);
}

describe('builtin pairs: language and SQL variety on PostgreSQL', () => {
  const databases: ScratchDatabase[] = [];
  let sampleEn: Run;
  let musicEn: Run;
  let musicZh: Run;
  let noChineseZh: Run;

  beforeAll(async () => {
    await ensureSqlParser();
    const settings = testSettings(await makeTempDir());
    const sample = await createSampleDatabaseOnServer();
    const music = await createScratchDatabase('dp_music');
    const musicChinese = await createScratchDatabase('dp_music_zh');
    const noChinese = await createScratchDatabase('dp_no_zh');
    databases.push(sample, music, musicChinese, noChinese);
    const musicScript = await fixture('music-store.sql');
    await loadScript(music, musicScript);
    await loadScript(musicChinese, musicScript, await fixture('music-store-zh-comments.sql'));
    await loadScript(noChinese, NO_CHINESE_SCHEMA);
    sampleEn = await generate(settings, sample.url, 'sample_en', SAMPLE_LISTED, 'en');
    musicEn = await generate(settings, music.url, 'music_en', MUSIC_TABLES, 'en');
    musicZh = await generate(settings, musicChinese.url, 'music_zh', MUSIC_TABLES, 'zh');
    noChineseZh = await generate(settings, noChinese.url, 'no_zh', ['public.flurbs', 'public.grommets'], 'zh');
  });
  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  it('the grammar check finds what the issue quotes', () => {
    const nouns = singularNouns(['public.albums', 'public.genres', 'public.tracks', 'public.employees']);
    expect(grammarProblems('How many album are there?', nouns)).toContain('"album" after "how many" is not plural');
    expect(grammarProblems('How many employee have their "birth date" date in September 1947?', nouns)).toEqual([
      '"employee" after "how many" is not plural',
      'singular table noun "employee" after "how many"',
      'quotes (an identifier or value in quotes)',
    ]);
    expect(grammarProblems('How many orders have order_status shipped?', nouns)).toEqual(['a snake_case identifier']);
    expect(grammarProblems('How many albums have a release date in 2020?', nouns)).toEqual([]);
  });

  it('every English question reads as a person writes it, on the sample database and on the music store', () => {
    for (const [run, tables] of [
      [sampleEn, SAMPLE_LISTED],
      [musicEn, MUSIC_TABLES],
    ] as const) {
      expect(run.result.status).toBe('completed');
      const nouns = singularNouns([...tables]);
      const problems = run.pairs.flatMap((p) => grammarProblems(p.question, nouns).map((problem) => `${p.question}: ${problem}`));
      expect(problems).toEqual([]);
      expect(run.pairs.filter((p) => /^how many /i.test(p.question)).length).toBeGreaterThan(3);
    }
  });

  it('the same intent is not always phrased the same way', () => {
    // Plain counts of a table: more than one wording across the tables.
    const counts = [...sampleEn.pairs, ...musicEn.pairs].filter((p) => /^SELECT COUNT\(\*\) AS \w+ FROM [\w."]+;$/.test(p.sql));
    expect(counts.length).toBeGreaterThanOrEqual(4);
    const openings = new Set(counts.map((p) => p.question.split(' ').slice(0, 3).join(' ')));
    expect(openings.size).toBeGreaterThanOrEqual(2);
  });

  it('mixes joins, filters, two-join questions and three difficulty levels, with no repeated SQL shape: sample database', async () => {
    expect(sampleEn.result.summary.validation_rate).toBe(1);
    expectMix(sampleEn.pairs);
  });

  it('mixes joins, filters, two-join questions and three difficulty levels, with no repeated SQL shape: music store', async () => {
    expect(musicEn.result.summary.validation_rate).toBe(1);
    expectMix(musicEn.pairs);
    const sql = musicEn.pairs.map((p) => p.sql).join('\n');
    // Along the foreign keys: a two-join path (tracks → albums → artists or similar) and a HAVING.
    expect(musicEn.pairs.some((p) => (sqlShape(p.sql)?.tables.length ?? 0) >= 3)).toBe(true);
    expect(sql).toMatch(/HAVING COUNT\(\*\) >= 2/);
    // Revenue per genre: invoice lines → tracks → genres, price times quantity.
    const perGenre = musicEn.pairs.find((p) => /\bgenre\b/.test(p.question) && /revenue/i.test(p.question));
    expect(perGenre?.sql).toMatch(/SUM\(c\.unit_price \* c\.quantity\)/);
    expect(sqlShape(perGenre?.sql ?? '')?.tables).toEqual(['genres', 'invoice_lines', 'tracks']);
  });

  it('uses the schema meaning: enumeration values, data-relative date ranges, shares, top-N per group, period over period', () => {
    const all = [...sampleEn.pairs, ...musicEn.pairs].map((p) => p.sql);
    expect(all.some((s) => /= 'paid'|= 'issued'|= 'draft'|= 'void'|= 'delivered'|= 'shipped'|= 'bronze'|= 'silver'|= 'gold'/.test(s))).toBe(true);
    expect(all.some((s) => /\(SELECT max\(\w+\) FROM [\w."]+\) - interval '3 months'/.test(s))).toBe(true);
    expect(all.some((s) => /COUNT\(\*\) FILTER \(WHERE .+\) \/ NULLIF\(COUNT\(\*\), 0\)|SUM\(COUNT\(\*\)\) OVER \(\)/.test(s))).toBe(true);
    expect(all.some((s) => /ROW_NUMBER\(\) OVER \(PARTITION BY/.test(s))).toBe(true);
    expect(all.some((s) => /LAG\(\w+\) OVER \(ORDER BY/.test(s))).toBe(true);
  });

  it('Chinese questions on a schema with Chinese comments hold no English word and no identifier', () => {
    expect(musicZh.result.status).toBe('completed');
    expect(musicZh.result.summary.validation_rate).toBe(1);
    expect(musicZh.pairs.length).toBeGreaterThanOrEqual(20);
    const leaking = musicZh.pairs.filter((p) => /[A-Za-z_]/.test(p.question)).map((p) => p.question);
    expect(leaking).toEqual([]);
    expect(musicZh.pairs.every((p) => /[\u4e00-\u9fff]/.test(p.question))).toBe(true);
    // The comment "发票状态" names the column in questions.
    expect(musicZh.pairs.some((p) => p.question.includes('发票状态'))).toBe(true);
    expect(musicZh.result.warnings?.language_warnings ?? []).toEqual([]);
    expectMix(musicZh.pairs);
  });

  it('Chinese column comments the generator writes hold no English: names read from a dictionary and from the words other comments teach', async () => {
    const invoices = parseMarkdown(await musicZh.dir.readText('invoices_detail.md'));
    expect(invoices.columnComments.update_ts).toBe('更新时间');
    // No dictionary knows "payer": the comment of payer_type (付款方类型) teaches it.
    expect(invoices.columnComments.payer_name).toBe('付款方名称');
    for (const table of MUSIC_TABLES) {
      const md = parseMarkdown(await musicZh.dir.readText(`${table.split('.')[1]}_detail.md`));
      // A foreign key's comment names the table it references in Chinese too: `艺术家编号（关联艺术家表）`.
      expect(Object.values(md.columnComments).filter((c) => /[A-Za-z_]/.test(c))).toEqual([]);
    }
  });

  it('on a schema with no Chinese at all, the Chinese run says so in its warnings', () => {
    expect(noChineseZh.result.status).toBe('completed');
    const warnings = noChineseZh.result.warnings?.language_warnings ?? [];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/the schema has no Chinese table or column comments/);
    expect(warnings[0]).toMatch(/flurbs|grommets/);
    const step = noChineseZh.result.steps.find((s) => s.step_name === 'qa_generation');
    expect(step?.result.language_warnings).toEqual(warnings);
  });
});

describe('qa_generation drops repeats by SQL shape', () => {
  it('two pairs whose SQL differs only in a literal keep the first; a different shape stays', async () => {
    await ensureSqlParser();
    const kept = dedupePairs([
      { question: 'How many orders were shipped?', sql: "SELECT COUNT(*) FROM orders WHERE status = 'shipped'" },
      { question: 'How many orders were delivered?', sql: "SELECT COUNT(*) FROM orders WHERE status = 'delivered'" },
      { question: 'How many orders are there?', sql: 'SELECT COUNT(*) FROM orders' },
    ]);
    expect(kept.map((p) => p.question)).toEqual(['How many orders were shipped?', 'How many orders are there?']);
  });
});
