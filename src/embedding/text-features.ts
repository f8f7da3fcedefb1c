/**
 * The weighted features of a text for the builtin embedder (`builtin-hashing-v2`): words split the
 * way identifiers are written (snake_case, camelCase, letters and digits), folded to a stem
 * (plurals, -ing, -ed, -ly, a few irregular forms such as sold and sales → sell), weighted by a
 * fixed tier (function words count for nothing, SQL and schema boilerplate for little, everything else — table and column names,
 * comment words, enumeration labels — in full), plus character trigrams of each stem for misspelt
 * or partial words, and character bigrams of CJK text (Chinese has no spaces between words).
 *
 * The weights are fixed lists, never counted over a corpus: a text's vector is a pure function of
 * the text, so the load embeds only new rows, the cache can keep vectors, and a vector made today
 * is comparable with one made a year ago. An IDF over the store would change every vector whenever
 * any row changed.
 */

/**
 * One feature and its weight. A feature seen twice counts twice: a table's own words repeat through
 * its documents, and damping that (1 + ln n) made questions find the shorter neighbouring tables.
 */
type FeatureSink = (feature: string, weight: number) => void;

/** Words that say nothing about which table or question is meant. */
const STOP_WORDS = new Set(
  (
    'a an the of in on at to for from by with without and or nor not no is are was were be been being am do does did done has have had having ' +
    'how many much what which who whom whose when where why there here their them they it its this that these those each every per all any some ' +
    'me my we our us you your i he she his her show list give tell find get got can could would should will shall may might must please ' +
    'than then as into onto over under across about between up down out off if so such only also just very too both either neither ' +
    'whether while during since until via vs etc e g eg ie let lets want wanted need needed know see look one ones'
  ).split(' '),
);

/**
 * Words every schema document or SQL text repeats: they keep a small weight (a question about
 * "discounts" still prefers the table whose comment says so, not the one with the longest DDL).
 */
const BOILERPLATE = new Set(
  (
    'create table view materialized primary key foreign references unique null default constraint check index ' +
    'int integer bigint smallint serial bigserial smallserial numeric decimal varchar char character varying text boolean bool ' +
    'timestamp timestamptz time zone json jsonb uuid real double precision float float4 float8 int2 int4 int8 bytea array oid ' +
    'select where join left right inner outer full cross using limit offset distinct case else end having coalesce nullif cast ' +
    'like ilike exists union intersect except lateral asc desc nulls first last interval extract trunc date_trunc filter over ' +
    'count sum avg min max round public question sql column columns example examples note notes row rows id ids enumeration value values ' +
    'name description type'
  ).split(' '),
);

/** Irregular forms the suffix rules cannot fold. */
const IRREGULAR = new Map(
  Object.entries({
    people: 'person',
    children: 'child',
    men: 'man',
    women: 'woman',
    bought: 'buy',
    sold: 'sell',
    paid: 'pay',
    spent: 'spend',
    sale: 'sell',
    sales: 'sell',
    daily: 'day',
    annually: 'year',
    annual: 'year',
    yearly: 'year',
    indices: 'index',
    criteria: 'criterion',
  }),
);

/** Words whose final `s` is not a plural. */
const NOT_PLURAL = /(?:ss|us|is|ous|ics)$/;
const VOWELS = /[aeiouy]/;

/**
 * A small deterministic stemmer (our own, not Porter's): enough that `orders`, `ordered` and
 * `ordering` meet, as do `categories` and `category`, `shipped` and `ship`, `monthly` and `month`,
 * `prices` and `price`. Stems need not be words; they only have to agree.
 */
export function stem(word: string): string {
  const irregular = IRREGULAR.get(word);
  if (irregular !== undefined) return irregular;
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('s') && !NOT_PLURAL.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ied') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('ing') && w.length > 5 && VOWELS.test(w.slice(0, -3))) w = undouble(w.slice(0, -3));
  else if (w.endsWith('ed') && w.length > 4 && VOWELS.test(w.slice(0, -2))) w = undouble(w.slice(0, -2));
  else if (/(?:th|k|r|al)ly$/.test(w) && w.length > 5) w = w.slice(0, -2);
  // A final e comes and goes with inflection (price, priced, pricing): drop it everywhere.
  if (w.endsWith('e') && w.length > 3 && !w.endsWith('ee')) w = w.slice(0, -1);
  return w;
}

/** `shipp` → `ship`; a double l, s or z stays (`sell`, `pass`). */
function undouble(w: string): string {
  const last = w.at(-1);
  return w.length > 3 && last === w.at(-2) && last !== undefined && !'lsz'.includes(last) && !VOWELS.test(last) ? w.slice(0, -1) : w;
}

/** The parts of an identifier or word: `order_items` → order, items; `CustomerFeedback` → customer, feedback; `NPSScore` → nps, score; `p2022` → p, 2022. */
export function splitIdentifier(token: string): string[] {
  if (/^[a-z]+$/.test(token)) return [token];
  return (token.match(/\p{Lu}+(?!\p{Ll})|\p{Lu}?\p{Ll}+|\p{L}+|\p{N}+/gu) ?? []).map((p) => p.toLowerCase());
}

/** How much a word counts: 0 for function words, little for boilerplate and numbers, 1 otherwise. */
function wordWeight(word: string): number {
  if (STOP_WORDS.has(word)) return 0;
  if (BOILERPLATE.has(word)) return 0.15;
  if (/^\p{N}+$/u.test(word)) return 0.3;
  if (word.length === 1) return 0.2;
  return 1;
}

/** Characters of scripts written without spaces between words, embedded as character bigrams. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
/** Chinese characters that carry grammar, not meaning: alone they count for nothing. */
const CJK_STOP = new Set('的了是有在和与及或每个各按以其中之为把被对这那哪些什么吗呢吧啊多少几请给我们你他她它所都也就还并且共条'.split(''));

function cjkFeatures(run: string, add: FeatureSink): void {
  const chars = [...run];
  if (chars.length === 1) {
    const c = chars[0] as string;
    add(`c:${c}`, CJK_STOP.has(c) ? 0 : 1);
    return;
  }
  for (let i = 0; i < chars.length; i += 1) {
    const c = chars[i] as string;
    const stopped = CJK_STOP.has(c);
    // Single characters: a little, so a one-character word of a question still meets its bigram.
    add(`c:${c}`, stopped ? 0 : 0.3);
    if (i + 1 < chars.length) {
      const next = chars[i + 1] as string;
      const stops = Number(stopped) + Number(CJK_STOP.has(next));
      add(`c:${c}${next}`, stops === 2 ? 0 : stops === 1 ? 0.4 : 1);
    }
  }
}

/** `order by`, `group by`, `partition by`: SQL, not the business meaning of the word. */
const SQL_BY = new Set(['order', 'group', 'partition']);

/** 32-bit FNV-1a of a feature's text. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The hashed features of one non-CJK token; `sqlBy` is its word's hash when it may be SQL (`order` before `by`). */
interface TokenFeatures {
  hashes: number[];
  weights: number[];
  sqlBy: number | undefined;
}

/** The features of one token (a word or an identifier), as text. */
function tokenFeatureTexts(token: string, add: FeatureSink): void {
  const stems: string[] = [];
  for (const part of splitIdentifier(token)) {
    const weight = wordWeight(part);
    if (weight === 0) continue;
    const s = stem(part);
    stems.push(s);
    add(`w:${s}`, weight);
    if (s.length > 2 && weight >= 1) {
      const padded = `^${s}$`;
      for (let i = 0; i + 3 <= padded.length; i += 1) add(`t:${padded.slice(i, i + 3)}`, 0.5);
    }
  }
  // The identifier as a whole too: `order_items` is more than `order` and `items` apart.
  if (stems.length > 1) add(`i:${stems.join('_')}`, 0.5);
}

/**
 * Tokens repeat (column names, SQL words), so each token's hashed features are computed once and
 * kept; a pure function's results, so the cache changes no vector. Emptied when it grows large.
 */
const tokenCache = new Map<string, TokenFeatures>();
const TOKEN_CACHE_MAX = 100_000;

function tokenFeatures(token: string): TokenFeatures {
  const cached = tokenCache.get(token);
  if (cached !== undefined) return cached;
  const entry: TokenFeatures = { hashes: [], weights: [], sqlBy: undefined };
  tokenFeatureTexts(token, (feature, weight) => {
    entry.hashes.push(fnv1a(feature));
    entry.weights.push(weight);
  });
  const lower = token.toLowerCase();
  if (SQL_BY.has(lower)) entry.sqlBy = fnv1a(`w:${stem(lower)}`);
  if (tokenCache.size >= TOKEN_CACHE_MAX) tokenCache.clear();
  tokenCache.set(token, entry);
  return entry;
}

/** A letter, mark or digit outside ASCII (ASCII is decided by code). */
const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;
const OTHER = 0;
const WORD = 1;
const CJK_CHAR = 2;

/** What a code point is: a word character (letters, marks, digits, `_`), a CJK character, or neither. */
function kindOf(code: number, char: string): number {
  if (code < 0x80) return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 ? WORD : OTHER;
  // CJK scripts start at U+2E80: below it no regular expression is needed to tell.
  if (code >= 0x2e80 && CJK.test(char)) return CJK_CHAR;
  return WORD_CHAR.test(char) ? WORD : OTHER;
}

/** The text's runs of word characters and of CJK characters, in order (a scan of code points: far cheaper than a Unicode regular expression). */
export function tokenize(text: string): { token: string; cjk: boolean }[] {
  const tokens: { token: string; cjk: boolean }[] = [];
  let start = -1;
  let runKind = OTHER;
  for (let i = 0; i < text.length; ) {
    const code = text.codePointAt(i) as number;
    const width = code > 0xffff ? 2 : 1;
    const kind = code < 0x80 ? kindOf(code, '') : kindOf(code, text.slice(i, i + width));
    if (kind !== runKind) {
      if (runKind !== OTHER) tokens.push({ token: text.slice(start, i), cjk: runKind === CJK_CHAR });
      start = i;
      runKind = kind;
    }
    i += width;
  }
  if (runKind !== OTHER) tokens.push({ token: text.slice(start), cjk: runKind === CJK_CHAR });
  return tokens;
}

/** Every weighted feature of the text as its FNV-1a hash, in order (a feature may repeat; weight 0 means it does not count). */
export function featureHashes(text: string, add: (hash: number, weight: number) => void): void {
  const tokens = tokenize(text);
  for (let t = 0; t < tokens.length; t += 1) {
    const { token, cjk } = tokens[t] as { token: string; cjk: boolean };
    if (cjk) {
      cjkFeatures(token, (feature, weight) => add(fnv1a(feature), weight));
      continue;
    }
    const features = tokenFeatures(token);
    if (features.sqlBy !== undefined && tokens[t + 1]?.token.toLowerCase() === 'by') {
      add(features.sqlBy, 0.15);
      continue;
    }
    for (let i = 0; i < features.hashes.length; i += 1) add(features.hashes[i] as number, features.weights[i] as number);
  }
}
