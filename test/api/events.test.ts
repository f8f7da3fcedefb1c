/**
 * Server-Sent Events of a task: the live stream of a run (run/step start and finish, progress,
 * log lines) with increasing ids and a final `end` event; resuming with Last-Event-ID (header or
 * `?last_event_id=`); what a task without an active run sends; and a stream served by a process
 * other than the one running the task.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/api-server.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/env.js';
import { answerWell } from '../support/openai-answers.js';
import {
  BASE,
  createTask,
  holdLlm,
  killChildServers,
  llmEnv,
  readSse,
  removeTempDirs,
  spawnServer,
  tempDir,
  waitForFinal,
  type ChildServer,
  type SseEvent,
} from '../support/run-helpers.js';
import { startScriptedOpenAI, type ScriptedOpenAIServer } from '../support/scripted-openai-server.js';
import { STEP_NAMES } from '../../src/workflow/steps/catalog.js';

const TABLES = ['regions', 'stores'];
const RUN_EVENTS = ['run_started', 'step_started', 'progress', 'log', 'step_finished', 'run_finished'];

let llm: ScriptedOpenAIServer;
beforeAll(async () => {
  llm = await startScriptedOpenAI({ defaultChat: answerWell });
});
afterAll(async () => {
  await killChildServers();
  await llm?.close();
  await removeTempDirs();
});

const data = (event: SseEvent) => JSON.parse(event.data) as Record<string, any>;
const ids = (events: SseEvent[]) => events.map((e) => Number(e.id));

/** The events before `end`, and `end` itself (which must be last and only once). */
function split(events: SseEvent[]): { body: SseEvent[]; end: Record<string, any> } {
  const last = events.at(-1);
  expect(last?.event).toBe('end');
  expect(events.filter((e) => e.event === 'end')).toHaveLength(1);
  return { body: events.slice(0, -1), end: data(last as SseEvent) };
}

function expectIncreasingIds(events: SseEvent[]): void {
  for (const event of events) expect(event.id, event.event).toMatch(/^\d+$/);
  const numbers = ids(events);
  for (let i = 1; i < numbers.length; i += 1) expect(numbers[i]).toBeGreaterThan(numbers[i - 1] as number);
}

describe('task events (SSE)', () => {
  let server: TestServer;
  let taskId: string;
  let runId: string;
  let live: SseEvent[];

  const eventsUrl = (id: string, query = '') => `${server.url}${BASE}/${id}/events${query}`;

  beforeAll(async () => {
    // Bundled sample database, embedded store: a complete run with training_load.
    server = await startTestServer({ store: 'embedded', env: llmEnv(llm) });
  });
  afterAll(async () => server?.close());

  it('streams a run live: run_started, step_started, progress, log, step_finished, run_finished, then end', async () => {
    llm.reset();
    const gate = holdLlm(llm);
    try {
      taskId = await createTask(server.call, TABLES);
      const accepted = await server.call('POST', `${BASE}/${taskId}/execute`, { execution_mode: 'complete' });
      expect(accepted.status).toBe(202);
      runId = accepted.body.data.run_id;
      // The LLM answers once the stream has delivered run_started: the rest is streamed live.
      const stream = await readSse(eventsUrl(taskId), { onEvent: (e) => e.event === 'run_started' && gate.release() });
      expect(stream.status).toBe(200);
      expect(stream.contentType).toMatch(/^text\/event-stream/);
      live = stream.events;
    } finally {
      gate.release();
    }
    const { body, end } = split(live);
    expectIncreasingIds(body);
    const types = new Set(body.map((e) => e.event));
    for (const type of RUN_EVENTS) expect(types, type).toContain(type);
    expect(body[0]?.event).toBe('run_started');
    expect(body.at(-1)?.event).toBe('run_finished');
    expect(data(body.at(-1) as SseEvent)).toMatchObject({ status: 'completed', reason: null, run_id: runId });
    expect(end.last_event_id).toBe(Number(body.at(-1)?.id));
    for (const event of body) expect(data(event).run_id).toBe(runId);

    const started = body.filter((e) => e.event === 'step_started').map((e) => data(e).step);
    const finished = body.filter((e) => e.event === 'step_finished').map((e) => [data(e).step, data(e).status]);
    expect(started).toEqual([...STEP_NAMES]);
    expect(finished).toEqual(started.map((s) => [s, 'completed']));
    const ddlProgress = body.filter((e) => e.event === 'progress' && data(e).step === 'ddl_generation').map((e) => data(e));
    expect(ddlProgress.at(-1)).toMatchObject({ done: TABLES.length, total: TABLES.length, unit: 'tables' });
    const log = body.find((e) => e.event === 'log' && data(e).message === 'step ddl_generation started');
    expect(log && data(log)).toMatchObject({ level: 'INFO', step: 'ddl_generation' });

    const task = await waitForFinal(server.call, taskId);
    expect(task.status).toBe('completed');
  });

  it('replays exactly the events after Last-Event-ID', async () => {
    const { body } = split(live);
    const middle = body.find((e) => e.event === 'step_finished') as SseEvent;
    const n = Number(middle.id);
    const replay = await readSse(eventsUrl(taskId), { headers: { 'last-event-id': String(n) } });
    const { body: replayed, end } = split(replay.events);
    expect(replayed.length).toBeGreaterThan(0);
    expect(replayed).toEqual(body.filter((e) => Number(e.id) > n));
    expect(end.last_event_id).toBe(Number(body.at(-1)?.id));
  });

  it('replays exactly the events after ?last_event_id=', async () => {
    const { body } = split(live);
    const n = Number(body[Math.floor(body.length / 2)]?.id);
    const replay = await readSse(eventsUrl(taskId, `?last_event_id=${n}`));
    const { body: replayed } = split(replay.events);
    expect(replayed.length).toBeGreaterThan(0);
    expect(replayed).toEqual(body.filter((e) => Number(e.id) > n));
    // At the last id there is nothing left: just the end.
    const none = await readSse(eventsUrl(taskId, `?last_event_id=${Number(body.at(-1)?.id)}`));
    expect(none.events.map((e) => e.event)).toEqual(['end']);
  });

  it('sends what is stored and ends when the task has no active run', async () => {
    const again = await readSse(eventsUrl(taskId));
    expect(again.events).toEqual(live);

    const idle = await createTask(server.call, TABLES);
    const empty = await readSse(eventsUrl(idle));
    expect(empty.status).toBe(200);
    expect(empty.events).toHaveLength(1);
    expect(empty.events[0]?.event).toBe('end');
    expect(data(empty.events[0] as SseEvent)).toEqual({ last_event_id: 0 });
  });

  it('answers 404 for an unknown task', async () => {
    const response = await fetch(eventsUrl('task_19990101_000000'));
    expect(response.status).toBe(404);
    await response.body?.cancel();
  });
});

describe('task events served by a process that is not running the task', () => {
  let store: ScratchDatabase;
  let runner: ChildServer;
  let viewer: TestServer;

  beforeAll(async () => {
    store = await createScratchDatabase('dp_sse');
    const root = await tempDir('dp-sse-');
    const env = {
      DP_STORE_URL: store.url,
      DP_TRAINING_DATA_DIR: path.join(root, 'training_data'),
      DP_HEARTBEAT_MS: '200',
      DP_RUN_TTL_MS: '10000',
      ...llmEnv(llm),
    };
    viewer = await startTestServer({ root, env });
    runner = await spawnServer(env);
  });
  afterAll(async () => {
    await runner?.stop('SIGTERM');
    await viewer?.close();
    await store?.drop();
  });

  it('streams the whole run to every viewer of another process, run_finished included', async () => {
    llm.reset();
    const gate = holdLlm(llm);
    const viewers = 5;
    let taskId: string;
    let runId: string;
    const streams: Promise<SseEvent[]>[] = [];
    try {
      // Bundled sample database; no training_load (the PostgreSQL test server has no pgvector).
      taskId = await createTask(runner.call, TABLES, { enable_training_data_load: false });
      const accepted = await runner.call('POST', `${BASE}/${taskId}/execute`, { execution_mode: 'complete' });
      expect(accepted.status).toBe(202);
      runId = accepted.body.data.run_id;
      // Viewers of another server process sharing the store (the race at the run's end is forced in
      // test/event-stream.test.ts; here every viewer must get the same, whole stream).
      for (let i = 0; i < viewers; i += 1) {
        let onStarted!: () => void;
        const started = new Promise<void>((resolve) => (onStarted = resolve));
        const stream = readSse(`${viewer.url}${BASE}/${taskId}/events`, { onEvent: (e) => e.event === 'run_started' && onStarted() }).then((r) => r.events);
        streams.push(stream);
        await Promise.race([started, stream]);
      }
    } finally {
      gate.release();
    }
    const all = await Promise.all(streams);
    for (const events of all) {
      const { body, end } = split(events);
      expectIncreasingIds(body);
      expect(body[0]?.event).toBe('run_started');
      expect(body.at(-1)?.event).toBe('run_finished');
      expect(data(body.at(-1) as SseEvent)).toMatchObject({ status: 'completed', run_id: runId });
      expect(end.last_event_id).toBe(Number(body.at(-1)?.id));
    }
    for (const events of all) expect(events).toEqual(all[0]);
    expect(await waitForFinal(viewer.call, taskId)).toMatchObject({ status: 'completed' });
  });
});
