/**
 * Inputs the existing Python service accepted (issue 15): time filters without a zone are read in
 * the server's time zone (the server runs as its own process with TZ=Asia/Shanghai, UTC+8 with no
 * daylight saving, so reading such a time as UTC would be off by eight hours and these tests fail);
 * the status values `running` and `cancelled`; `backup_path` under `./data_pipeline/training_data/`.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, taskPath, type TestServer } from '../support/api-server.js';
import { expectError, expectInvalid, expectSuccess } from '../support/envelope-assertions.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/env.js';
import { answerWell } from '../support/openai-answers.js';
import {
  BASE,
  type ChildServer,
  createTask,
  holdLlm,
  killChildServers,
  llmEnv,
  removeTempDirs,
  spawnServer,
  tempDir,
  waitForFinal,
  waitForRunningStep,
} from '../support/run-helpers.js';
import { startScriptedOpenAI, type ScriptedOpenAIServer } from '../support/scripted-openai-server.js';

/** `YYYY-MM-DDTHH:MM:SS` of an instant as a clock in UTC+8 shows it. */
const shanghaiClock = (at: Date) => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 19);

describe('time filters without a zone', () => {
  let store: ScratchDatabase;
  let server: ChildServer;

  beforeAll(async () => {
    store = await createScratchDatabase('dp_compat_inputs');
    const root = await tempDir('dp-compat-');
    server = await spawnServer({ DP_STORE_URL: store.url, DP_TRAINING_DATA_DIR: path.join(root, 'training_data'), TZ: 'Asia/Shanghai' });
    expectSuccess(await server.call('POST', BASE, { task_name: 'compat', db_connection: 'sample' }), 201);
  }, 120_000);

  afterAll(async () => {
    await killChildServers();
    await store?.drop();
    await removeTempDirs();
  });

  const count = async (filters: Record<string, string>) => expectSuccess(await server.call('POST', `${BASE}/query`, filters)).pagination.total as number;

  it("reads 2025-01-01T00:00:00 in the server's zone, as the existing service's clients mean it", async () => {
    const now = new Date();
    const hourAgo = shanghaiClock(new Date(now.getTime() - 3600_000));
    const inAnHour = shanghaiClock(new Date(now.getTime() + 3600_000));
    expect(await count({ created_time_start: hourAgo })).toBe(1);
    expect(await count({ created_time_start: inAnHour })).toBe(0);
    expect(await count({ created_time_end: inAnHour })).toBe(1);
    // The space form and a zone still work; a zone wins over the server's.
    expect(await count({ created_time_start: hourAgo.replace('T', ' ') })).toBe(1);
    expect(await count({ created_time_start: `${inAnHour}+08:00` })).toBe(0);
    expect(await count({ created_time_start: `${new Date(now.getTime() - 3600_000).toISOString()}` })).toBe(1);
  });

  it('refuses what is not a date and time (February 30 too), naming the field and the forms accepted', async () => {
    expectInvalid(await server.call('POST', `${BASE}/query`, { completed_time_start: '2025-02-30 10:00' }), 'body.completed_time_start', /date-time/);
    expectInvalid(await server.call('POST', `${BASE}/query`, { created_time_start: 'yesterday' }), 'body.created_time_start', /date-time/, /without a zone/);
    expectInvalid(
      await server.call('POST', `${BASE}/query`, { started_time_end: '2025-13-01T00:00:00' }),
      'body.started_time_end',
      /date-time/,
      /without a zone/,
    );
  });
});

describe('status values the existing service accepted: running and cancelled', () => {
  let llm: ScriptedOpenAIServer;
  let server: TestServer;

  beforeAll(async () => {
    llm = await startScriptedOpenAI({ defaultChat: answerWell });
    server = await startTestServer({ env: llmEnv(llm) });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await llm?.close();
  });

  const listed = async (status: string) => expectSuccess(await server.call('GET', `${BASE}?status=${status}`)).tasks.map((t: { task_id: string }) => t.task_id);
  const searched = async (status: string) =>
    expectSuccess(await server.call('POST', `${BASE}/query`, { status })).tasks.map((t: { task_id: string }) => t.task_id);

  it('reads running as in_progress and cancelled as a task whose last run was cancelled', async () => {
    const held = await createTask(server.call, ['regions'], { db_connection: 'sample', enable_training_data_load: false });
    const failedOtherwise = await createTask(server.call, null, { db_connection: 'sample' });
    const gate = holdLlm(llm);
    try {
      expect((await server.call('POST', `${BASE}/${held}/execute`, {})).status).toBe(202);
      await waitForRunningStep(server.call, held, llm);
      expect(await listed('running')).toEqual([held]);
      expect(await searched('running')).toEqual([held]);
      expect(await searched('in_progress')).toEqual([held]);
      expect((await server.call('POST', `${BASE}/${held}/cancel`)).status).toBe(200);
    } finally {
      gate.release();
    }
    expect(await waitForFinal(server.call, held)).toMatchObject({ status: 'failed' });
    // A task that failed for another reason (no table list) is failed, not cancelled.
    expect((await server.call('POST', `${BASE}/${failedOtherwise}/execute`, {})).status).toBe(202);
    expect(await waitForFinal(server.call, failedOtherwise)).toMatchObject({ status: 'failed' });

    expect(await listed('cancelled')).toEqual([held]);
    const search = expectSuccess(await server.call('POST', `${BASE}/query`, { status: 'cancelled' }));
    expect(search.tasks.map((t: { task_id: string }) => t.task_id)).toEqual([held]);
    expect(search.filters_applied).toEqual({ status: 'cancelled' });
    expect((await searched('failed')).sort()).toEqual([held, failedOtherwise].sort());
    expect(await listed('running')).toEqual([]);
    // Anything else is still refused, naming the values accepted.
    expectInvalid(await server.call('POST', `${BASE}/query`, { status: 'done' }), 'body.status', /must be one of/, /running, cancelled/);
  }, 120_000);
});

describe('backup_path as the existing service wrote it', () => {
  let server: TestServer;
  let taskId: string;

  beforeAll(async () => {
    server = await startTestServer();
    const created = await server.call('POST', BASE, { db_connection: 'sample' });
    taskId = created.body.data.task_id;
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  const restore = (backup_path: string) => server.call('POST', '/api/v0/data_pipeline/vector/restore', { backup_path, timestamp: '20250721_215758' });

  it('reads ./data_pipeline/training_data/... as the data root, wherever it is, and still confines it', async () => {
    await fs.mkdir(path.join(taskPath(server, taskId), 'vector_bak'), { recursive: true });
    // Found: the 404 names the backup files missing in that directory, not the directory.
    for (const given of [`./data_pipeline/training_data/${taskId}/vector_bak`, `data_pipeline/training_data/${taskId}/vector_bak`, `${taskId}/vector_bak`]) {
      const reply = expectError(await restore(given), 404, 'BACKUP_NOT_FOUND');
      expect(reply.response, given).toMatch(/no backup file langchain_pg_collection_20250721_215758\.csv/);
    }
    // A directory that is not there is named as such.
    expect(expectError(await restore('./data_pipeline/training_data/vector_bak'), 404, 'BACKUP_NOT_FOUND').response).toMatch(
      /does not exist under the data root/,
    );
    // Leaving the data root is refused, in either form.
    for (const given of ['./data_pipeline/training_data/../../etc', '../outside', '/etc']) {
      expectError(await restore(given), 400, 'INVALID_PATH');
    }
  });
});
