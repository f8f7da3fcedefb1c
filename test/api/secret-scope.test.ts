/**
 * A task's connection password is masked in that task's own log only: no other task's log masks
 * it. Masking every password the process had seen made each log a password oracle (a table name
 * equal to another task's password came back as `public.***`) and masked common words.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitForTask, type TestServer } from '../support/api-server.js';
import { createSampleDatabaseOnServer, type ScratchDatabase } from '../support/env.js';

const BASE = '/api/v0/data_pipeline/tasks';
const GUESSED = `SECRET1x${randomBytes(4).toString('hex')}`;

let server: TestServer;
let sampleDb: ScratchDatabase;

beforeAll(async () => {
  sampleDb = await createSampleDatabaseOnServer();
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
  await sampleDb?.drop();
});

/** The sample database's URL with `password` in it (the test server does not check it). */
function urlWithPassword(password: string | undefined): string {
  const url = new URL(sampleDb.url);
  url.password = password ? encodeURIComponent(password) : '';
  return url.toString();
}

/** Creates a task on `connection`, lists `tables`, runs ddl_generation to its end; returns the task id and its log messages. */
async function runDdl(connection: string, tables: string[]): Promise<{ id: string; messages: string[] }> {
  const created = await server.call('POST', BASE, { task_name: 'scope', db_connection: connection, enable_training_data_load: false });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.data.task_id as string;
  expect((await server.call('POST', `${BASE}/${id}/table-list`, { tables })).status).toBe(200);
  const execute = await server.call('POST', `${BASE}/${id}/execute`, { execution_mode: 'step', step_name: 'ddl_generation' });
  expect(execute.status, JSON.stringify(execute.body)).toBe(202);
  await waitForTask(server, id);
  const logs = await server.call('GET', `${BASE}/${id}/logs?limit=1000`);
  expect(logs.status).toBe(200);
  return { id, messages: (logs.body.data.logs as { message: string }[]).map((l) => l.message) };
}

describe("a task's password is masked only in its own task", () => {
  it('another task probing with table names sees them in clear: no oracle, and common words are not masked', async () => {
    // Tasks whose passwords are a random secret and two common words, each run in this process.
    for (const password of [GUESSED, 'orders', 'public']) {
      const { messages } = await runDdl(urlWithPassword(password), ['orders', 'customers']);
      expect(messages.join('\n')).toMatch(/step ddl_generation/);
    }
    // Another user's task: table names guessing the first password, and names holding the words.
    const probe = await runDdl(urlWithPassword(undefined), ['guess_hunter2', GUESSED, 'letmein', 'shop_orders', 'orders']);
    const text = probe.messages.join('\n');
    expect(text).toContain(`table public.guess_hunter2: no such table`);
    expect(text).toContain(`table public.${GUESSED}: no such table`);
    expect(text).toContain(`table public.letmein: no such table`);
    expect(text).toContain(`table public.shop_orders: no such table`);
    expect(text).not.toContain('***');
  });

  it("masks a task's own password in its own log", async () => {
    const own = `Own-Pw-${randomBytes(4).toString('hex')}`;
    const { messages } = await runDdl(urlWithPassword(own), ['orders', own]);
    const text = messages.join('\n');
    expect(text).toContain('table public.***: no such table');
    expect(text).not.toContain(own);
  });
});
