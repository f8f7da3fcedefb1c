/**
 * `data-pipeline pairs list|add|edit|approve|reject|delete|validate|undo --task-dir D`: the pairs
 * review of the API (services/pairs.ts) on a task directory, taking the task's claim the way the
 * backups command does. Exit 0; 1 when `validate` finds the SQL invalid; 2 on an error.
 */
import type { Settings } from '../../config/settings.js';
import { errorMessage } from '../../errors.js';
import { localClaimHolder } from '../../services/local-claims.js';
import { addPair, deletePair, editPair, listPairs, type PairScope, type ReviewPair, undoPairChange, validatePair } from '../../services/pairs.js';
import { openSource } from '../../source/source-database.js';
import { TaskDirectory } from '../../task-directory/task-dir.js';
import { TASK_CONFIG_FILE } from '../../task-directory/task-files.js';
import { readStoredParameters } from '../task-config.js';

const EXIT_OK = 0;
const EXIT_INVALID = 1;
const EXIT_FAILED = 2;

export const PAIR_ACTIONS = ['list', 'add', 'edit', 'approve', 'reject', 'delete', 'validate', 'undo'] as const;

export interface PairsFlags {
  taskDir: string;
  question?: string;
  sql?: string;
  by?: string;
  db?: string;
  review?: string;
  json?: boolean;
}

class UsageError extends Error {}

function line(pair: ReviewPair): string {
  const review = pair.review ?? 'unreviewed';
  const error = pair.validation.error ? ` — ${pair.validation.error}` : '';
  return `${pair.id}  [${review}, ${pair.validation.status}${error}]\n    Q: ${pair.question}\n    SQL: ${pair.sql.replace(/\s+/g, ' ')}`;
}

async function scopeFor(settings: Settings, flags: PairsFlags): Promise<PairScope> {
  let dir: TaskDirectory;
  try {
    dir = await TaskDirectory.open(flags.taskDir);
  } catch {
    throw new UsageError(`--task-dir ${flags.taskDir}: no such task directory`);
  }
  const hold = localClaimHolder(settings, dir.taskId);
  return {
    taskId: dir.taskId,
    dir,
    hold: (action, work) => hold(action, 'upload', work),
    withSource: async (fn) => {
      const db = flags.db ?? (await readStoredParameters(dir)).connection('db_connection');
      if (!db) throw new UsageError(`no source database: pass --db (the task directory's ${TASK_CONFIG_FILE} names none)`);
      const source = await openSource(db, { cacheDir: settings.cacheDir, statementTimeoutMs: settings.statementTimeoutMs, maxConnections: 1 });
      try {
        return await fn(source.db);
      } finally {
        await source.close();
      }
    },
    statementTimeoutMs: settings.statementTimeoutMs,
  };
}

export async function pairsCommand(settings: Settings, action: string, pairId: string | undefined, flags: PairsFlags): Promise<number> {
  const print = (value: unknown, text: string) => process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
  try {
    if (!(PAIR_ACTIONS as readonly string[]).includes(action)) throw new UsageError(`pairs ${action}: unknown action; expected ${PAIR_ACTIONS.join(', ')}`);
    const needsId = ['edit', 'approve', 'reject', 'delete', 'validate'].includes(action);
    if (needsId && !pairId) throw new UsageError(`pairs ${action} needs the pair's id (pairs list shows them)`);
    const scope = await scopeFor(settings, flags);
    const id = pairId as string;
    switch (action) {
      case 'list': {
        const list = await listPairs(scope);
        const wanted = flags.review;
        if (wanted && !['approved', 'rejected', 'none'].includes(wanted)) throw new UsageError(`--review ${wanted}: expected approved, rejected or none`);
        const pairs = wanted ? list.pairs.filter((p) => (p.review ?? 'none') === wanted) : list.pairs;
        const c = list.counts;
        print(
          { ...list, pairs },
          `${list.pair_file}: ${c.total} pair(s), ${c.approved} approved, ${c.rejected} rejected, ${c.unreviewed} unreviewed, ${c.invalid} invalid\n${pairs.map(line).join('\n')}`,
        );
        return EXIT_OK;
      }
      case 'add': {
        if (!flags.question || !flags.sql) throw new UsageError('pairs add needs --question and --sql');
        const { pair } = await addPair(scope, { question: flags.question, sql: flags.sql, by: flags.by });
        print(pair, `added ${line(pair)}`);
        return EXIT_OK;
      }
      case 'edit': {
        if (flags.question === undefined && flags.sql === undefined) throw new UsageError('pairs edit needs --question or --sql');
        const { pair } = await editPair(scope, id, { question: flags.question, sql: flags.sql, by: flags.by });
        print(pair, `changed ${line(pair)}`);
        return EXIT_OK;
      }
      case 'approve':
      case 'reject': {
        const { pair } = await editPair(scope, id, { review: action === 'approve' ? 'approved' : 'rejected', by: flags.by });
        print(pair, `${action === 'approve' ? 'approved' : 'rejected'} ${line(pair)}`);
        return EXIT_OK;
      }
      case 'delete': {
        const { change } = await deletePair(scope, id, flags.by);
        print(change, `deleted pair ${change.pair_id} (pairs undo puts it back)`);
        return EXIT_OK;
      }
      case 'validate': {
        const { pair } = await validatePair(scope, id);
        print(pair, line(pair));
        return pair.validation.status === 'invalid' ? EXIT_INVALID : EXIT_OK;
      }
      default: {
        const { undone, skipped } = await undoPairChange(scope);
        const dropped = skipped ? ` (${skipped} newer change(s) that no longer applied dropped)` : '';
        print({ undone, skipped }, `undid the ${undone.action} of pair ${undone.pair_id}${dropped}`);
        return EXIT_OK;
      }
    }
  } catch (error) {
    // The services name API fields (`body.sql`); here the user typed options (`--sql`).
    process.stderr.write(`data-pipeline pairs ${action}: ${errorMessage(error).replace(/\bbody\.(\w+)/g, '--$1')}\n`);
    return EXIT_FAILED;
  }
}
