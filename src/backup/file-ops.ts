/**
 * The file operations a backup uses, behind a small interface so a test can make one of them fail
 * (the specification's permission case) without mocking anything else. The default implementation
 * uses synchronous calls for renames and links: they are single metadata updates, and a backup of
 * thousands of files spends most of its time in thread-pool round trips otherwise.
 */
import { constants as fsConstants, copyFileSync, readlinkSync, renameSync, symlinkSync } from 'node:fs';

export interface FileOps {
  /** Moves within one file system (atomic). */
  rename(from: string, to: string): Promise<void>;
  /** Copies a regular file to a path that must not exist yet. */
  copyFile(from: string, to: string): Promise<void>;
  /** Creates at `to` a link with the same target as the link at `from`. */
  copyLink(from: string, to: string): Promise<void>;
}

export const defaultFileOps: FileOps = {
  rename: async (from, to) => renameSync(from, to),
  copyFile: async (from, to) => copyFileSync(from, to, fsConstants.COPYFILE_EXCL),
  copyLink: async (from, to) => symlinkSync(readlinkSync(from), to),
};
