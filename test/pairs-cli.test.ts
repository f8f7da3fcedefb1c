/**
 * `data-pipeline pairs` on a task directory: the review of the API from the command line, taking
 * the task's claim like the backups command (here with no store: nobody else can hold the task).
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { runWorkflow } from '../src/workflow/orchestrator.js';
import { workflowOptions } from '../src/workflow/run-options.js';
import { makeTempDir, TEST_CACHE_DIR, testSettings } from './support/env.js';
import { runCli } from './support/run-helpers.js';

interface Listed {
  pairs: { id: string; question: string; review: string | null; validation: { status: string; error: string | null } }[];
  counts: Record<string, number>;
}

describe('data-pipeline pairs', () => {
  let dir: TaskDirectory;
  let env: Record<string, string>;

  const cli = (args: string[]) => runCli(['pairs', ...args, '--task-dir', dir.path], env);
  const list = async (...extra: string[]) => JSON.parse((await cli(['list', '--json', ...extra])).stdout) as Listed;

  beforeAll(async () => {
    const root = await makeTempDir('dp-pairs-cli-');
    env = { DP_TRAINING_DATA_DIR: path.join(root, 'training_data'), DP_STORE_DIR: path.join(root, 'store'), DP_CACHE_DIR: TEST_CACHE_DIR, EMBEDDING_DIM: '64' };
    const settings = testSettings(root);
    dir = await TaskDirectory.open(path.join(settings.trainingDataDir, 'task_cli_pairs'), { create: true });
    await dir.writeFile('table_list.txt', 'stores\nregions\n');
    const result = await runWorkflow({
      dir,
      settings,
      options: workflowOptions({ task_id: 'task_cli_pairs', db_connection: 'sample', enable_training_data_load: false }),
      mode: 'complete',
    });
    expect(result.status, result.error_message ?? '').toBe('completed');
  }, 120_000);

  it('lists, approves, rejects, adds, validates, deletes and undoes', async () => {
    const first = await list();
    expect(first.pairs.length).toBeGreaterThan(2);
    const [a, b] = first.pairs as [Listed['pairs'][number], Listed['pairs'][number]];
    expect((await cli(['approve', a.id, '--by', 'ann'])).code).toBe(0);
    const rejected = await cli(['reject', b.id]);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toMatch(new RegExp(`^rejected ${b.id} +\\[rejected, `));
    expect((await list('--review', 'rejected')).pairs.map((p) => p.id)).toEqual([b.id]);

    const added = await cli(['add', '--question', 'How many online stores are there?', '--sql', 'SELECT count(*) FROM stores WHERE is_online', '--json']);
    expect(added.code, added.stderr).toBe(0);
    const addedId = (JSON.parse(added.stdout) as { id: string }).id;
    const valid = await cli(['validate', addedId]);
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stdout).toContain('[unreviewed, valid]');

    const bad = JSON.parse((await cli(['add', '--question', 'Fax numbers?', '--sql', 'SELECT fax FROM stores', '--json'])).stdout) as { id: string };
    const invalid = await cli(['validate', bad.id]);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/invalid — .*column "fax" does not exist/);

    expect((await cli(['delete', addedId])).code).toBe(0);
    expect((await list()).pairs.map((p) => p.id)).not.toContain(addedId);
    const undone = await cli(['undo']);
    expect(undone.stdout).toBe(`undid the delete of pair ${addedId}\n`);
    expect((await list()).counts).toMatchObject({ approved: 1, rejected: 1 });

    // Undo skips a change that no longer applies: an added pair removed from the file by hand.
    const extra = JSON.parse(
      (await cli(['add', '--question', 'How many regions are there in all?', '--sql', 'SELECT count(*) FROM regions', '--json'])).stdout,
    ) as { id: string };
    expect((await cli(['reject', a.id])).code).toBe(0);
    const file = (await dir.fileNames((n) => /^qs_.*_pair\.json$/.test(n))).at(-1) as string;
    const held = JSON.parse(await dir.readText(file)) as { id: string }[];
    await dir.writeFile(file, JSON.stringify(held.filter((p) => p.id !== extra.id)));
    expect((await cli(['undo'])).stdout).toBe(`undid the edit of pair ${a.id}\n`);
    // The add of the pair now gone is dropped; the change before it is undone.
    expect((await cli(['undo'])).stdout).toBe(`undid the add of pair ${bad.id} (1 newer change(s) that no longer applied dropped)\n`);
    expect((await list()).pairs.map((p) => p.id)).not.toContain(bad.id);

    const usage = await cli(['approve']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/needs the pair's id/);
    const unknown = await cli(['approve', 'no_such_pair']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/pair no_such_pair/);
  }, 120_000);
});
