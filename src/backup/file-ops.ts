/**
 * The file operations a backup uses, behind a small interface so a test can make one of them fail
 * (the specification's permission case) without mocking anything else.
 */
import { constants as fsConstants, copyFileSync, readlinkSync, renameSync, symlinkSync } from 'node:fs';

/** Synchronous on purpose: one metadata call each, and a promise per file would cost more than the call. */
export interface FileOps {
  /** Moves within one file system (atomic). */
  rename(from: string, to: string): void;
  /** Copies a regular file to a path that must not exist yet. */
  copyFile(from: string, to: string): void;
  /** Creates at `to` a link with the same target as the link at `from`. */
  copyLink(from: string, to: string): void;
}

export const defaultFileOps: FileOps = {
  rename: (from, to) => renameSync(from, to),
  copyFile: (from, to) => copyFileSync(from, to, fsConstants.COPYFILE_EXCL),
  copyLink: (from, to) => symlinkSync(readlinkSync(from), to),
};
