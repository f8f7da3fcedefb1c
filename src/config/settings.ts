/**
 * Settings come from environment variables only, validated once at start-up.
 * Every variable is documented in README.md ("Settings"); keep the two in step.
 */
import path from 'node:path';
import { z } from 'zod';
import { connectionUrlProblem } from '../util/connection-url.js';
import { redactUrl } from '../util/redact.js';

const positiveInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const postgresUrl = z
  .string()
  .trim()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), { message: 'must be a postgresql:// URL' });

/**
 * The source of tasks created without `db_connection`: checked here as a client's `db_connection`
 * is checked (`sample`, or a postgresql:// URL that parses and names its host), so a bad one stops
 * the start naming this variable instead of failing every such request later.
 */
const defaultDbUrl = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    const problem = v === '' ? undefined : connectionUrlProblem(v, { sample: true });
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Settings whose value is never shown in a message (keys, tokens), and those shown with their passwords masked (URLs). */
const HIDDEN_SETTING = /(^|_)(API_KEY|TOKEN|SECRET|PASSWORD)$/;
const URL_SETTING = /_URL$/;

/**
 * A URL for a message with its password masked, or undefined when a password cannot be told
 * apart: without `scheme://`, or without an `@` after it while a `:` may start a password as well
 * as a port (then only the scheme is shown).
 */
function maskedUrl(value: string): string | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value)?.[0];
  if (!scheme) return /[:@]/.test(value) ? undefined : value;
  if (!value.includes('@', scheme.length) && value.includes(':', scheme.length)) return `${scheme}…`;
  return redactUrl(value);
}

/** A setting's value for a message: URLs with their passwords masked; keys and tokens never shown. */
function shownValue(name: string, value: string): string {
  const shown = HIDDEN_SETTING.test(name) ? undefined : URL_SETTING.test(name) ? maskedUrl(value) : value;
  return shown === undefined ? ' (value not shown)' : ` (got ${JSON.stringify(shown)})`;
}

const envSchema = z.object({
  LLM_PROVIDER: z.enum(['builtin', 'openai']).default('builtin'),
  LLM_BASE_URL: optionalText,
  LLM_API_KEY: optionalText,
  LLM_MODEL: optionalText,
  LLM_CONCURRENCY: positiveInt(1, 64).default(4),
  LLM_TIMEOUT_MS: positiveInt(1_000, 600_000).default(120_000),
  LLM_MAX_RETRIES: positiveInt(0, 10).default(3),
  EMBEDDING_PROVIDER: z.enum(['builtin', 'openai']).default('builtin'),
  EMBEDDING_BASE_URL: optionalText,
  EMBEDDING_API_KEY: optionalText,
  EMBEDDING_MODEL: optionalText,
  EMBEDDING_DIM: positiveInt(8, 16_000).default(384),
  EMBEDDING_BATCH_SIZE: positiveInt(1, 2048).default(64),
  DP_TRAINING_DATA_DIR: z.string().trim().min(1).default('./data_pipeline/training_data'),
  DP_STORE_URL: z.union([postgresUrl, z.literal('')]).optional(),
  DP_STORE_DIR: z.string().trim().min(1).default('./data_pipeline/store'),
  DP_CACHE_DIR: z.string().trim().min(1).default('./data_pipeline/cache'),
  LLM_CACHE: z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']))
    .default('on')
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v)),
  LLM_CACHE_DIR: optionalText,
  LLM_CACHE_MAX_MB: positiveInt(1, 1_000_000).default(512),
  DP_SAMPLE_ROWS: positiveInt(1, 1000).default(20),
  DP_ENUM_MAX_VALUES: positiveInt(2, 200).default(20),
  DP_MAX_TABLES: positiveInt(1, 100_000).default(1000),
  DP_TABLE_CONCURRENCY: positiveInt(1, 64).default(8),
  DP_SQL_CONCURRENCY: positiveInt(1, 64).default(5),
  DP_STATEMENT_TIMEOUT_MS: positiveInt(100, 3_600_000).default(30_000),
  DP_THEME_COUNT: positiveInt(1, 50).default(5),
  DP_PAIRS_PER_THEME: positiveInt(1, 100).default(10),
  DP_REPAIR_ROUNDS: positiveInt(0, 10).default(2),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: positiveInt(0, 65_535).default(8084),
  API_TOKEN: optionalText,
  DP_DEFAULT_DB_URL: defaultDbUrl.optional(),
  DP_MAX_CONCURRENT_TASKS: positiveInt(1, 64).default(2),
  DP_HEARTBEAT_MS: positiveInt(100, 60_000).default(2_000),
  DP_RUN_TTL_MS: positiveInt(500, 600_000).default(15_000),
  DP_SHUTDOWN_GRACE_MS: positiveInt(0, 600_000).default(10_000),
  DP_BACKUP_ENABLED: z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
    .default('true')
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v)),
  DP_BACKUP_ON_FAILURE: z.enum(['continue', 'abort']).default('continue'),
  DP_BACKUP_KEEP_LAST: z.union([positiveInt(1, 100_000), z.literal('').transform(() => undefined)]).optional(),
  DP_BACKUP_MAX_AGE_DAYS: z.union([z.coerce.number().positive().max(36_500), z.literal('').transform(() => undefined)]).optional(),
});

export type LlmSettings = {
  provider: 'builtin' | 'openai';
  baseURL: string | undefined;
  apiKey: string | undefined;
  model: string;
  concurrency: number;
  timeoutMs: number;
  maxRetries: number;
};

export type EmbeddingSettings = {
  provider: 'builtin' | 'openai';
  baseURL: string | undefined;
  apiKey: string | undefined;
  model: string;
  dim: number;
  batchSize: number;
};

export interface Settings {
  llm: LlmSettings;
  embedding: EmbeddingSettings;
  /** Absolute path of the data root that holds one directory per task. */
  trainingDataDir: string;
  /** `postgresql://` URL of the store, or undefined for the embedded PGlite store. */
  storeUrl: string | undefined;
  /** Absolute path of the embedded store's data directory. */
  embeddedStoreDir: string;
  /** Absolute path of the cache (the sample database snapshot lives here). */
  cacheDir: string;
  /** The response cache of LLM answers and embeddings, shared by every task of the data root. */
  responseCache: ResponseCacheSettings;
  sampleRows: number;
  enumMaxValues: number;
  /** Most names a table list may hold, on every path that takes one (DP_MAX_TABLES). */
  maxTables: number;
  tableConcurrency: number;
  sqlConcurrency: number;
  statementTimeoutMs: number;
  themeCount: number;
  pairsPerTheme: number;
  repairRounds: number;
  server: ServerSettings;
  backup: BackupSettings;
}

export interface ResponseCacheSettings {
  /** LLM_CACHE: off turns it off for every run. */
  enabled: boolean;
  /** LLM_CACHE_DIR, by default `.cache/` in the data root (not a task id: task ids have no dot). */
  dir: string;
  /** LLM_CACHE_MAX_MB in bytes, for the LLM answers and for the embeddings each. */
  maxBytes: number;
}

/** The file backup before complete runs (the user's specification and its follow-ups). */
export interface BackupSettings {
  /** `backup.enabled`: back up a task's files before each complete run. */
  enabled: boolean;
  /** `backup.on_failure`: when the backup as a whole fails, `continue` the run (as specified) or `abort` it. */
  onFailure: 'continue' | 'abort';
  /** `backup.keep_last`: keep at most this many backups per task (off when undefined). */
  keepLast: number | undefined;
  /** `backup.max_age_days`: delete backups older than this (off when undefined). */
  maxAgeDays: number | undefined;
}

export interface ServerSettings {
  host: string;
  port: number;
  /** When set, every /api route requires `Authorization: Bearer <token>`. */
  apiToken: string | undefined;
  /** Source of tasks created without `db_connection`: a URL, or `sample`. */
  defaultDbUrl: string;
  maxConcurrentTasks: number;
  heartbeatMs: number;
  runTtlMs: number;
  shutdownGraceMs: number;
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

/** Parses and validates settings; throws SettingsError naming every bad variable. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Settings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new SettingsError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const value = env[name];
        return `${name}: ${issue.message}${value === undefined ? '' : shownValue(name, value)}`;
      }),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.LLM_PROVIDER === 'openai') {
    if (!e.LLM_MODEL) problems.push('LLM_MODEL: required when LLM_PROVIDER=openai (e.g. gpt-4o-mini)');
  }
  if (e.EMBEDDING_PROVIDER === 'openai') {
    if (!e.EMBEDDING_MODEL) problems.push('EMBEDDING_MODEL: required when EMBEDDING_PROVIDER=openai (e.g. text-embedding-3-small)');
  } else if (e.EMBEDDING_MODEL && !['builtin-hashing', 'builtin-hashing-v2', 'builtin-hashing-v1'].includes(e.EMBEDDING_MODEL)) {
    // The builtin embedder has two versions; a misspelt one must not silently pick the other.
    problems.push(
      `EMBEDDING_MODEL: with EMBEDDING_PROVIDER=builtin, one of builtin-hashing-v2 (the default) or builtin-hashing-v1 (the earlier one)${shownValue('EMBEDDING_MODEL', e.EMBEDDING_MODEL)}`,
    );
  }
  for (const key of ['LLM_BASE_URL', 'EMBEDDING_BASE_URL'] as const) {
    const value = e[key];
    if (value && !/^https?:\/\//.test(value)) problems.push(`${key}: must be an http:// or https:// URL${shownValue(key, value)}`);
  }
  if (e.DP_RUN_TTL_MS <= e.DP_HEARTBEAT_MS * 2) {
    problems.push(`DP_RUN_TTL_MS: must be more than twice DP_HEARTBEAT_MS (${e.DP_HEARTBEAT_MS}), or live runs would expire`);
  }
  if (problems.length > 0) throw new SettingsError(problems);

  const trainingDataDir = path.resolve(cwd, e.DP_TRAINING_DATA_DIR);
  return {
    llm: {
      provider: e.LLM_PROVIDER,
      baseURL: e.LLM_BASE_URL,
      apiKey: e.LLM_API_KEY,
      model: e.LLM_MODEL ?? 'builtin',
      concurrency: e.LLM_CONCURRENCY,
      timeoutMs: e.LLM_TIMEOUT_MS,
      maxRetries: e.LLM_MAX_RETRIES,
    },
    embedding: {
      provider: e.EMBEDDING_PROVIDER,
      // The embedding endpoint defaults to the LLM endpoint: most deployments serve both.
      baseURL: e.EMBEDDING_BASE_URL ?? e.LLM_BASE_URL,
      apiKey: e.EMBEDDING_API_KEY ?? e.LLM_API_KEY,
      model: e.EMBEDDING_MODEL ?? 'builtin-hashing',
      dim: e.EMBEDDING_DIM,
      batchSize: e.EMBEDDING_BATCH_SIZE,
    },
    trainingDataDir,
    storeUrl: e.DP_STORE_URL ? e.DP_STORE_URL : undefined,
    embeddedStoreDir: path.resolve(cwd, e.DP_STORE_DIR),
    cacheDir: path.resolve(cwd, e.DP_CACHE_DIR),
    responseCache: {
      enabled: e.LLM_CACHE,
      dir: e.LLM_CACHE_DIR ? path.resolve(cwd, e.LLM_CACHE_DIR) : path.join(trainingDataDir, '.cache'),
      maxBytes: e.LLM_CACHE_MAX_MB * 1024 * 1024,
    },
    sampleRows: e.DP_SAMPLE_ROWS,
    enumMaxValues: e.DP_ENUM_MAX_VALUES,
    maxTables: e.DP_MAX_TABLES,
    tableConcurrency: e.DP_TABLE_CONCURRENCY,
    sqlConcurrency: e.DP_SQL_CONCURRENCY,
    statementTimeoutMs: e.DP_STATEMENT_TIMEOUT_MS,
    themeCount: e.DP_THEME_COUNT,
    pairsPerTheme: e.DP_PAIRS_PER_THEME,
    repairRounds: e.DP_REPAIR_ROUNDS,
    backup: {
      enabled: e.DP_BACKUP_ENABLED,
      onFailure: e.DP_BACKUP_ON_FAILURE,
      keepLast: e.DP_BACKUP_KEEP_LAST,
      maxAgeDays: e.DP_BACKUP_MAX_AGE_DAYS,
    },
    server: {
      host: e.HOST,
      port: e.PORT,
      apiToken: e.API_TOKEN,
      defaultDbUrl: e.DP_DEFAULT_DB_URL || 'sample',
      maxConcurrentTasks: e.DP_MAX_CONCURRENT_TASKS,
      heartbeatMs: e.DP_HEARTBEAT_MS,
      runTtlMs: e.DP_RUN_TTL_MS,
      shutdownGraceMs: e.DP_SHUTDOWN_GRACE_MS,
    },
  };
}
