/** What a table list's text must be before the API stores it as a task's table_list.txt. */
import { parseTableList, tableListTooLong } from '../source/table-list.js';
import { AppError } from '../errors.js';

/** Largest table list file accepted (upload, or a file named at task creation). */
export const TABLE_LIST_MAX_BYTES = 2 * 1024 * 1024;

/**
 * The checks a table list's text passes before it is stored, whichever way it came (upload, a
 * file named at task creation): at most `maxTables` names (DP_MAX_TABLES), and no system
 * catalog. Other invalid entries are kept and reported by the run, as the list format allows.
 */
export function checkTableListText(text: string, field: string, maxTables: number): void {
  const parsed = parseTableList(text);
  const tooLong = tableListTooLong(parsed, maxTables);
  if (tooLong) throw AppError.invalid(field, tooLong, `a table list of at most ${maxTables} names`);
  const system = parsed.invalid.filter((entry) => /system schema/.test(entry.reason));
  if (system.length > 0) {
    throw new AppError('INVALID_PARAMS', `${field} lists system catalogs: ${system.map((e) => `line ${e.line}: ${e.text}`).join(', ')}`, {
      invalid: system.map((e) => ({
        field,
        problem: `line ${e.line}: ${JSON.stringify(e.text)} ${e.reason}`,
        accepted: 'tables of your own schemas (not pg_catalog, pg_toast, information_schema or another pg_ schema)',
      })),
    });
  }
}
