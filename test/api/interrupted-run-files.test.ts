/**
 * A server killed (SIGKILL) mid-run, then started again on the same embedded store: the API says
 * failed (interrupted), and so does the task directory — `task_result.json` of the complete run,
 * `<step>_result.json` of the step run, and a last line in `data_pipeline.log` — with nothing of the
 * killed run's log lost.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLogLine } from '../../src/task-directory/task-log.js';
import { startTestServer } from '../support/api-server.js';
import { createSampleDatabaseOnServer, type ScratchDatabase } from '../support/env.js';
import { answerWell } from '../support/openai-answers.js';
import {
  BASE,
  createTask,
  getTask,
  killChildServers,
  llmEnv,
  removeTempDirs,
  slowLlm,
  spawnServer,
  step,
  tempDir,
  waitForRunningStep,
  waitUntil,
} from '../support/run-helpers.js';
import { startScriptedOpenAI, type ScriptedOpenAIServer } from '../support/scripted-openai-server.js';

let llm: ScriptedOpenAIServer;
let sample: ScratchDatabase;

beforeAll(async () => {
  llm = await startScriptedOpenAI({ defaultChat: answerWell });
  sample = await createSampleDatabaseOnServer();
});

afterAll(async () => {
  await killChildServers();
  await llm?.close();
  await sample?.drop();
  await removeTempDirs();
});

describe('task directory after a crash mid-run', () => {
  it('the restarted server writes the result files (failed, interrupted) and a last log line; the API agrees', async () => {
    const root = await tempDir('dp-crash-files-');
    const env = { DP_STORE_DIR: path.join(root, 'store'), DP_TRAINING_DATA_DIR: path.join(root, 'training_data'), ...llmEnv(llm) };
    const dirOf = (taskId: string) => path.join(root, 'training_data', taskId);
    llm.reset();
    slowLlm(llm);
    const first = await spawnServer(env);
    const task = { db_connection: sample.url, enable_training_data_load: false };
    const completeId = await createTask(first.call, ['regions', 'stores'], task);
    const stepId = await createTask(first.call, ['regions', 'stores'], task);
    const completeRun = await first.call('POST', `${BASE}/${completeId}/execute`, { execution_mode: 'complete' });
    const stepRun = await first.call('POST', `${BASE}/${stepId}/execute`, { execution_mode: 'step', step_name: 'ddl_generation' });
    expect([completeRun.status, stepRun.status]).toEqual([202, 202]);
    await waitForRunningStep(first.call, completeId, llm);
    await waitUntil('the step run to be running', async () => step(await getTask(first.call, stepId), 'ddl_generation').step_status === 'running');
    expect(await first.stop('SIGKILL')).toMatchObject({ signal: 'SIGKILL' });

    // As the crash left them: no result files, each log ending at the killed run's last line.
    expect(existsSync(path.join(dirOf(completeId), 'task_result.json'))).toBe(false);
    expect(existsSync(path.join(dirOf(stepId), 'ddl_generation_result.json'))).toBe(false);
    const logBefore = await fs.readFile(path.join(dirOf(completeId), 'data_pipeline.log'), 'utf8');
    const stepLogBefore = await fs.readFile(path.join(dirOf(stepId), 'data_pipeline.log'), 'utf8');

    const second = await startTestServer({ store: 'embedded', root, env: llmEnv(llm) });
    try {
      const complete = await getTask(second.call, completeId);
      expect(complete).toMatchObject({ status: 'failed', error_message: expect.stringMatching(/^interrupted/) });
      const result = JSON.parse(await fs.readFile(path.join(dirOf(completeId), 'task_result.json'), 'utf8'));
      expect(result).toMatchObject({ task_id: completeId, mode: 'complete', status: 'failed', error_message: complete.error_message, llm_usage: null });
      expect(result.completed_at).toBe(new Date(complete.completed_at).toISOString());
      // Every step as the API shows it; the step a complete run does not execute, skipped.
      expect(
        result.steps.map((s: { step_name: string; step_status: string; error_message: string | null }) => [s.step_name, s.step_status, s.error_message]),
      ).toEqual([
        ['ddl_generation', 'failed', 'interrupted'],
        ['qa_generation', 'pending', null],
        ['sql_validation', 'pending', null],
        ['training_load', 'skipped', null],
      ]);
      for (const name of ['ddl_generation', 'qa_generation', 'sql_validation'])
        expect(step(complete, name).step_status).toBe(result.steps.find((s: { step_name: string }) => s.step_name === name).step_status);
      const log = await fs.readFile(path.join(dirOf(completeId), 'data_pipeline.log'), 'utf8');
      expect(log.startsWith(logBefore)).toBe(true);
      const added = log.slice(logBefore.length).split('\n').filter(Boolean);
      expect(added).toHaveLength(1);
      expect(parseLogLine(added[0] as string)).toMatchObject({
        level: 'ERROR',
        logger: 'data_pipeline.workflow',
        step: 'workflow',
        message: `task ${completeId} failed: ${complete.error_message} (run ${completeRun.body.data.run_id})`,
      });

      const stepped = await getTask(second.call, stepId);
      expect(stepped).toMatchObject({ status: 'failed', error_message: expect.stringMatching(/^interrupted/) });
      expect(step(stepped, 'ddl_generation')).toMatchObject({ step_status: 'failed', error_message: 'interrupted' });
      const stepResult = JSON.parse(await fs.readFile(path.join(dirOf(stepId), 'ddl_generation_result.json'), 'utf8'));
      expect(stepResult).toMatchObject({ task_id: stepId, step_name: 'ddl_generation', step_status: 'failed', error_message: 'interrupted' });
      expect(existsSync(path.join(dirOf(stepId), 'task_result.json'))).toBe(false);
      const stepLog = await fs.readFile(path.join(dirOf(stepId), 'data_pipeline.log'), 'utf8');
      expect(stepLog.startsWith(stepLogBefore)).toBe(true);
      expect(parseLogLine(stepLog.slice(stepLogBefore.length).trimEnd())?.message).toBe(
        `task ${stepId} failed: ${stepped.error_message} (run ${stepRun.body.data.run_id})`,
      );
    } finally {
      await second.close();
    }
  });
});
