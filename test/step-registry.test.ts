/**
 * The step registry and what follows from it: every catalog step has a run function and checks
 * for its inputs; prerequisites, the steps of a complete run, the task status rule, the store's
 * step rows (for tasks created before a step existed too), the API's enum and the CLI's help all
 * come from it.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../src/db/postgres-database.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { migrate } from '../src/tasks/store/migrate.js';
import { TaskStore } from '../src/tasks/store/task-store.js';
import { taskStatusAfterRun } from '../src/tasks/task-status.js';
import { STEP_CATALOG, STEP_NAMES, stepsOfCompleteRun, type StepName } from '../src/workflow/steps/catalog.js';
import { missingPrerequisites, STEP_RUNNERS } from '../src/workflow/steps/registry.js';
import { startTestServer, type TestServer } from './support/api-server.js';
import { createScratchDatabase, makeTempDir, PROJECT_ROOT, type ScratchDatabase } from './support/env.js';
import { newTask } from './support/task-fixtures.js';

describe('the step registry', () => {
  it('binds every catalog step to a run function and lists inputs that can be checked', async () => {
    expect(STEP_NAMES).toEqual(STEP_CATALOG.map((s) => s.name));
    expect(new Set(STEP_NAMES).size).toBe(STEP_NAMES.length);
    const dir = await TaskDirectory.open(await makeTempDir('dp-registry-'));
    for (const step of STEP_CATALOG) {
      expect(typeof (await STEP_RUNNERS[step.name]()), step.name).toBe('function');
      expect(step.labels.en.length, step.name).toBeGreaterThan(0);
      expect(step.labels.zh.length, step.name).toBeGreaterThan(0);
      expect(step.outputs.length, step.name).toBeGreaterThan(0);
      // Every input of every step has its check: an empty directory is missing each of them.
      const missing = await missingPrerequisites(dir, step.name);
      expect(missing, step.name).toHaveLength(step.inputs.length);
    }
    expect(Object.keys(STEP_RUNNERS).sort()).toEqual([...STEP_NAMES].sort());
  });

  it('derives each step’s prerequisites from its inputs, as files appear in the directory', async () => {
    const dir = await TaskDirectory.open(await makeTempDir('dp-prereq-'));
    const missing = (step: StepName, options = {}) => missingPrerequisites(dir, step, options);
    expect(await missing('ddl_generation')).toEqual([expect.stringMatching(/^no table_list\.txt/)]);
    expect(await missingPrerequisites(undefined, 'qa_generation')).toEqual([expect.stringMatching(/does not exist yet/)]);
    await dir.writeFile('table_list.txt', 'orders\n');
    expect(await missing('ddl_generation')).toEqual([]);
    expect(await missing('qa_generation')).toEqual([expect.stringMatching(/run ddl_generation first/)]);
    // A mapping naming files that are not there is not enough.
    await dir.writeFile('filename_mapping.txt', 'public.orders -> orders.ddl\npublic.orders -> orders_detail.md\n');
    expect(await missing('qa_generation')).toHaveLength(1);
    await dir.writeFile('orders.ddl', 'create table orders (id int);\n');
    await dir.writeFile('orders_detail.md', '# orders\n');
    expect(await missing('qa_generation')).toEqual([]);
    expect(await missing('sql_validation')).toEqual([expect.stringMatching(/run qa_generation first/)]);
    expect(await missing('training_load')).toEqual([]);
    await dir.writeFile('qs_db_20250101_000000_pair.json', '[]');
    expect(await missing('sql_validation')).toEqual([]);
    const empty = await TaskDirectory.open(await makeTempDir('dp-prereq-'));
    expect(await missingPrerequisites(empty, 'training_load')).toEqual([expect.stringMatching(/^nothing to load/)]);
    expect(await missingPrerequisites(empty, 'training_load', { skip_training: true })).toEqual([]);
  });

  it('leaves switched-off steps out of a complete run, in catalog order', () => {
    expect(stepsOfCompleteRun({ enable_sql_validation: true, enable_training_data_load: true })).toEqual(STEP_NAMES);
    expect(stepsOfCompleteRun({ enable_sql_validation: false, enable_training_data_load: true })).toEqual(['ddl_generation', 'qa_generation', 'training_load']);
    expect(stepsOfCompleteRun({ enable_sql_validation: false, enable_training_data_load: false })).toEqual(['ddl_generation', 'qa_generation']);
  });

  it('sets a task’s status from its steps by their roles', () => {
    const steps = (done: StepName[], failed: StepName[] = []) =>
      STEP_NAMES.map((name) => ({
        step_name: name,
        step_status: failed.includes(name) ? ('failed' as const) : done.includes(name) ? ('completed' as const) : ('pending' as const),
      }));
    expect(taskStatusAfterRun('complete', false, steps(['ddl_generation', 'qa_generation']))).toBe('completed');
    expect(taskStatusAfterRun('complete', true, steps(['ddl_generation']))).toBe('failed');
    expect(taskStatusAfterRun('step', false, steps([]))).toBe('pending');
    expect(taskStatusAfterRun('step', false, steps(['ddl_generation']))).toBe('partial_completed');
    expect(taskStatusAfterRun('step', false, steps(['ddl_generation', 'qa_generation']))).toBe('partial_completed');
    expect(taskStatusAfterRun('step', false, steps(['ddl_generation', 'qa_generation', 'sql_validation']))).toBe('completed');
    expect(taskStatusAfterRun('step', false, steps(['ddl_generation', 'qa_generation', 'training_load']))).toBe('completed');
    expect(taskStatusAfterRun('step', false, steps(['qa_generation', 'sql_validation', 'training_load']))).toBe('partial_completed');
    expect(taskStatusAfterRun('step', false, steps(['ddl_generation'], ['qa_generation']))).toBe('failed');
  });

  it('offers its steps on the command line', () => {
    const help = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'data-pipeline.js'), 'step', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    // (Commander wraps long lines.)
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(STEP_NAMES.join(' | '));
  });
});

describe('the store’s step rows follow the registry', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;

  beforeAll(async () => {
    scratch = await createScratchDatabase('dp_steps_test');
    db = await PostgresDatabase.connect(scratch.url, { maxConnections: 2 });
    await migrate(db);
  });
  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it('gives tasks created before a step existed a row for it, in registry order, and drops rows of removed steps', async () => {
    const store = new TaskStore(db, 0);
    await store.createTask(newTask('task_old'));
    // As if the task had been created when the registry had three steps, one of them since removed.
    await db.query(`DELETE FROM dp_task_steps WHERE task_id = 'task_old' AND step_name IN ('sql_validation', 'training_load')`);
    await db.query(`INSERT INTO dp_task_steps (task_id, step_name, position) VALUES ('task_old', 'old_step', 3)`);
    // An update of a step the store has no row for is an error, never a silent no-op.
    await expect(store.stepStarted('task_old', 'sql_validation')).rejects.toThrow(/no row for step sql_validation/);

    await store.syncStepRows();
    const steps = await store.getSteps('task_old');
    expect(steps.map((s) => s.step_name)).toEqual([...STEP_NAMES]);
    expect(steps.map((s) => s.step_status)).toEqual(STEP_NAMES.map(() => 'pending'));
    await store.stepStarted('task_old', 'sql_validation');
    expect((await store.getSteps('task_old')).find((s) => s.step_name === 'sql_validation')?.step_status).toBe('running');
  });
});

describe('the API follows the registry', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('lists the steps with their labels, and its step_name enum is the registry’s', async () => {
    const steps = await server.call('GET', '/api/v0/data_pipeline/steps');
    expect(steps.status).toBe(200);
    expect(steps.body.data.steps.map((s: { name: string }) => s.name)).toEqual([...STEP_NAMES]);
    expect(steps.body.data.steps[0]).toMatchObject({ labels: { en: expect.any(String), zh: expect.any(String) }, inputs: ['table_list'] });
    const doc = (await server.call('GET', '/openapi.json')).body as unknown as {
      paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: { properties: Record<string, { enum?: string[] }> } }> } }>>;
    };
    const execute = doc.paths['/api/v0/data_pipeline/tasks/{task_id}/execute']?.post?.requestBody.content['application/json']?.schema;
    expect(execute?.properties.step_name?.enum).toEqual([...STEP_NAMES]);
    const refused = await server.call('POST', '/api/v0/data_pipeline/tasks/task_x/execute', { execution_mode: 'step', step_name: 'no_such_step' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body.data.invalid_params)).toContain(STEP_NAMES.join(', '));
  });

  it('creates new tasks with every step of the registry', async () => {
    const created = await server.call('POST', '/api/v0/data_pipeline/tasks', { task_name: 'steps' });
    const task = await server.call('GET', `/api/v0/data_pipeline/tasks/${created.body.data.task_id as string}`);
    expect(task.body.data.steps.map((s: { step_name: string }) => s.step_name)).toEqual([...STEP_NAMES]);
    expect(task.body.data.total_steps).toBe(STEP_NAMES.length);
  });
});
