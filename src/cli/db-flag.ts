/**
 * `--db-connection`, the existing service's name of the source database flag, accepted wherever
 * `--db` is: both name the same value, and giving both with different values is an error.
 */
import type { Command } from 'commander';

export const DB_CONNECTION_FLAG = '--db-connection <url>';

/** Adds `--db-connection` next to a command's `--db`. */
export function addDbConnectionAlias(command: Command): Command {
  return command.option(DB_CONNECTION_FLAG, "the same as --db (the existing service's name for it)");
}

export type DbFlag = { ok: true; db: string | undefined } | { ok: false; message: string };

/** The database the user named with `--db` or `--db-connection`; `required` when the command cannot do without one. */
export function resolveDbFlag(flags: { db?: string; dbConnection?: string }, required: boolean): DbFlag {
  const { db, dbConnection } = flags;
  if (db !== undefined && dbConnection !== undefined && db !== dbConnection) {
    // Never quote the values: they may hold a password.
    return { ok: false, message: '--db and --db-connection name different databases; give one of them (they are the same option)' };
  }
  const value = db ?? dbConnection;
  if (value === undefined && required) return { ok: false, message: "required option '--db <url|sample>' (or --db-connection <url>) not specified" };
  return { ok: true, db: value };
}
