/**
 * Inputs the existing Python service accepted (issue 15): time filters without a zone are read in
 * the server's time zone. The server runs as its own process with TZ=Asia/Shanghai (UTC+8, no
 * daylight saving), so reading such a time as UTC would be off by eight hours and these tests fail.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectInvalid, expectSuccess } from '../support/envelope-assertions.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/env.js';
import { BASE, type ChildServer, killChildServers, removeTempDirs, spawnServer, tempDir } from '../support/run-helpers.js';

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
