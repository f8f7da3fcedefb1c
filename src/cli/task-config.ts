/** What a task directory's `task_config.json` records, for commands that default to it. */
import { z } from 'zod';
import type { TaskDirectory } from '../task-directory/task-dir.js';
import { TASK_CONFIG_FILE } from '../task-directory/task-files.js';
import { withoutMaskedSecrets } from '../util/redact.js';

const StoredConfig = z.object({
  parameters: z.record(z.string(), z.unknown()).optional(),
});

export interface StoredParameters {
  /** The recorded parameters (empty when the file is missing or not a configuration). */
  values: Record<string, unknown>;
  /** Set when the file exists but is not a task configuration. */
  unreadable: boolean;
  /** A recorded non-empty text parameter. */
  text(key: string): string | undefined;
  /** A recorded connection URL, without the masked password the file holds in its place. */
  connection(key: 'db_connection' | 'vector_db'): string | undefined;
}

export async function readStoredParameters(dir: TaskDirectory): Promise<StoredParameters> {
  let values: Record<string, unknown> = {};
  let unreadable = false;
  const configText = await dir.readTextIfExists(TASK_CONFIG_FILE);
  if (configText) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(configText);
    } catch {
      parsed = undefined;
    }
    const config = StoredConfig.safeParse(parsed);
    if (config.success) values = config.data.parameters ?? {};
    else unreadable = true;
  }
  const text = (key: string): string | undefined => (typeof values[key] === 'string' && values[key] ? (values[key] as string) : undefined);
  return {
    values,
    unreadable,
    text,
    connection: (key) => {
      const url = text(key);
      return url ? withoutMaskedSecrets(url) : undefined;
    },
  };
}
