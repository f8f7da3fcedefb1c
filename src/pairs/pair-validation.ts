/**
 * Where a pair stands with its SQL check: the newer of its own one-pair check (kept on the pair)
 * and the newest sql_validation report's verdict on the same SQL; `unchecked` when neither
 * covers the SQL it has now (added or edited since). The pairs API shows it; training_load
 * loads only what a check found valid.
 */
import type { TaskDirectory } from '../task-directory/task-dir.js';
import type { StoredPair } from './pair-file.js';

export type ValidationState = 'valid' | 'repaired' | 'invalid' | 'unchecked';

/** What the execute check of the last sql_validation found about a valid SQL. */
export type ExecuteFlag = 'empty_result' | 'enum_literal';

export interface PairValidation {
  status: ValidationState;
  error: string | null;
  source: 'check' | 'report' | null;
  /** The last report's execute-check flags for this SQL (a one-pair check only runs EXPLAIN: none). */
  flags: ExecuteFlag[];
  /** The flags in words (`'Shipped' is not a value of orders.status…`), or null. */
  explanation: string | null;
}

interface Verdict {
  sql: string;
  status: ValidationState;
  error: string | null;
  repaired: string | null;
  flags: ExecuteFlag[];
  explanation: string | null;
  /** When the report was written (ms): a one-pair check after it wins, one before it loses. */
  at: number;
}

export type ReportVerdicts = Map<string, Verdict>;

/** The newest sql_validation report's verdict per pair id (only for the SQL it checked). */
export async function reportVerdicts(dir: TaskDirectory): Promise<ReportVerdicts> {
  const reports = (await dir.list()).filter((e) => e.kind === 'file' && /^sql_validation_\d{8}_\d{6}_report\.json$/.test(e.name));
  const newest = reports.sort((a, b) => a.name.localeCompare(b.name)).at(-1);
  const verdicts: ReportVerdicts = new Map();
  if (!newest) return verdicts;
  try {
    const report = JSON.parse(await dir.readText(newest.name)) as {
      records?: {
        pair_id?: string | null;
        sql: string;
        status: ValidationState;
        error: string | null;
        repaired_sql: string | null;
        flags?: unknown;
        flag_explanation?: string | null;
      }[];
    };
    const at = newest.modifiedAt.getTime();
    for (const r of report.records ?? []) {
      if (!r.pair_id) continue;
      // Reports written before the execute check carry no flags.
      const flags = Array.isArray(r.flags) ? r.flags.filter((f): f is ExecuteFlag => f === 'empty_result' || f === 'enum_literal') : [];
      verdicts.set(r.pair_id, { sql: r.sql, status: r.status, error: r.error, repaired: r.repaired_sql, flags, explanation: r.flag_explanation ?? null, at });
    }
  } catch {
    // An unreadable report only means no verdicts.
  }
  return verdicts;
}

export function pairValidation(pair: StoredPair, verdicts: ReportVerdicts): PairValidation {
  const found = verdicts.get(pair.id);
  const verdict = found && (found.sql === pair.sql || found.repaired === pair.sql) ? found : undefined;
  // The newer of the pair's own check and the last run's verdict on the same SQL.
  if (pair.validation && !(verdict && verdict.at > Date.parse(pair.validation.checked_at))) {
    return { status: pair.validation.status, error: pair.validation.error, source: 'check', flags: [], explanation: null };
  }
  if (verdict) return { status: verdict.status, error: verdict.error, source: 'report', flags: verdict.flags, explanation: verdict.explanation };
  return { status: 'unchecked', error: null, source: null, flags: [], explanation: null };
}
