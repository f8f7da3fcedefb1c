/**
 * The one options schema and everything derived from it: defaults, the rule tying truncate to
 * backup, what a stored record yields, the CLI's flags (inverted ones included), the API's request
 * fields and task_config.json.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addOptionFlags, optionValuesFromFlags } from '../src/cli/option-flags.js';
import { CreateBody, ExecuteBody } from '../src/server/schemas/tasks.js';
import { TaskDirectory } from '../src/task-directory/task-dir.js';
import { taskConfig } from '../src/workflow/orchestrator.js';
import {
  defaultRunOptions,
  EXECUTION_OPTION_NAMES,
  PER_RUN_OPTION_NAMES,
  perRunOverridesOf,
  resolveRunOptions,
  RUN_OPTION_NAMES,
  RUN_OPTIONS,
  TASK_OPTION_NAMES,
  taskOptionsFromRecord,
  workflowOptions,
} from '../src/workflow/run-options.js';
import { makeTempDir } from './support/env.js';

function parse(args: string[]) {
  const command = addOptionFlags(new Command('run').exitOverride());
  command.parse(args, { from: 'user' });
  return optionValuesFromFlags(command);
}

describe('the run options schema', () => {
  it('has a default, a scope, a label and a flag for every option', () => {
    expect(RUN_OPTION_NAMES.length).toBe(TASK_OPTION_NAMES.length + EXECUTION_OPTION_NAMES.length);
    for (const name of RUN_OPTION_NAMES) {
      const spec = RUN_OPTIONS[name];
      expect(spec.label.length, name).toBeGreaterThan(0);
      expect(spec.cli.flag, name).toMatch(/^--[a-z-]+/);
    }
    expect(defaultRunOptions()).toEqual({
      language: 'en',
      overwrite_comments: false,
      enable_sql_validation: true,
      enable_llm_repair: true,
      modify_original_file: true,
      execute_check: true,
      enable_training_data_load: true,
      backup_vector_tables: false,
      truncate_vector_tables: false,
      use_cache: true,
      reembed: false,
      skip_training: false,
    });
  });

  it('fills defaults, keeps undefined as unset, and makes a truncate imply its backup', () => {
    expect(resolveRunOptions({ language: 'zh', execute_check: undefined })).toMatchObject({ language: 'zh', execute_check: true });
    expect(resolveRunOptions({ truncate_vector_tables: true })).toMatchObject({ truncate_vector_tables: true, backup_vector_tables: true });
    expect(workflowOptions({ task_id: 't', db_connection: 'sample' })).toMatchObject({
      task_id: 't',
      business_context: 'Business database',
      enable_sql_validation: true,
    });
  });

  it('takes only valid task options from a record, never execution options', () => {
    expect(
      taskOptionsFromRecord({
        language: 'zh',
        modify_original_file: false,
        execute_check: 'yes',
        overwrite_comments: 1,
        truncate_vector_tables: true,
        unknown: true,
      }),
    ).toEqual({ language: 'zh', modify_original_file: false });
    expect(taskOptionsFromRecord({ language: 'fr' })).toEqual({});
  });

  it('reads flags as the schema says, inverted and --no- flags included; flags not given stay unset', () => {
    expect(parse([])).toEqual({});
    expect(parse(['--skip-validation', '--disable-llm-repair', '--no-modify-file', '--no-training', '--no-execute-check'])).toEqual({
      enable_sql_validation: false,
      enable_llm_repair: false,
      modify_original_file: false,
      enable_training_data_load: false,
      execute_check: false,
    });
    expect(parse(['--language', 'zh', '--execute-check', '--overwrite-comments', '--truncate-vector-tables'])).toEqual({
      language: 'zh',
      execute_check: true,
      overwrite_comments: true,
      truncate_vector_tables: true,
    });
    // The execute check is on by default; the flag that turned it on before is still accepted.
    expect(parse(['--no-execute-check', '--execute-check'])).toEqual({ execute_check: true });
    expect(() => parse(['--language', 'fr'])).toThrow(/Allowed choices are en, zh/);
  });

  it('gives the API its request fields with the schema’s defaults', () => {
    for (const name of TASK_OPTION_NAMES)
      expect(CreateBody.properties[name], name).toMatchObject({ default: RUN_OPTIONS[name].default, description: RUN_OPTIONS[name].description });
    for (const name of EXECUTION_OPTION_NAMES) expect(ExecuteBody.properties[name], name).toMatchObject({ default: RUN_OPTIONS[name].default });
    // A task option an execute may override for its run: no default there (the task's value holds).
    expect(PER_RUN_OPTION_NAMES).toEqual(['execute_check']);
    expect(ExecuteBody.properties.execute_check).toMatchObject({ type: 'boolean' });
    expect(ExecuteBody.properties.execute_check).not.toHaveProperty('default');
    expect(perRunOverridesOf({ execute_check: false, language: 'zh', skip_training: true })).toEqual({ execute_check: false });
    expect(perRunOverridesOf({ execute_check: 'no' })).toEqual({});
    expect(CreateBody.required ?? []).toEqual([]);
  });

  it('records every option in task_config.json, connection URLs masked', async () => {
    const dir = await TaskDirectory.open(await makeTempDir('dp-options-'));
    const options = workflowOptions({
      task_id: 't',
      db_connection: 'postgresql://u:pw-secret@h/db',
      business_context: 'x',
      vector_db: 'postgresql://v:vec-secret@h/v',
      skip_training: true,
    });
    const config = taskConfig(options, dir, '2025-01-01T00:00:00.000Z') as { parameters: Record<string, unknown> };
    expect(Object.keys(config.parameters)).toEqual(['db_connection', 'db_name', 'business_context', ...RUN_OPTION_NAMES, 'vector_db']);
    expect(config.parameters).toMatchObject({ db_connection: 'postgresql://u:***@h/db', vector_db: 'postgresql://v:***@h/v', skip_training: true });
  });
});
