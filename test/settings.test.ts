import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../src/config/settings.js';

describe('settings from the environment', () => {
  it('defaults to the offline, embedded configuration', () => {
    const s = loadSettings({}, '/work/x');
    expect(s.llm.provider).toBe('builtin');
    expect(s.embedding.provider).toBe('builtin');
    expect(s.embedding.dim).toBe(384);
    expect(s.trainingDataDir).toBe(path.resolve('/work/x', 'data_pipeline/training_data'));
    expect(s.storeUrl).toBeUndefined();
    expect(s.embeddedStoreDir).toBe(path.resolve('/work/x', 'data_pipeline/store'));
    expect(s.sampleRows).toBe(20);
    expect(s.repairRounds).toBe(2);
  });

  it('reads every documented variable', () => {
    const s = loadSettings(
      {
        LLM_PROVIDER: 'openai',
        LLM_BASE_URL: 'http://127.0.0.1:9/v1',
        LLM_API_KEY: 'k',
        LLM_MODEL: 'm',
        LLM_CONCURRENCY: '3',
        EMBEDDING_PROVIDER: 'openai',
        EMBEDDING_MODEL: 'e',
        EMBEDDING_DIM: '1536',
        DP_TRAINING_DATA_DIR: '/data',
        DP_STORE_URL: 'postgresql://u@h/db',
        DP_REPAIR_ROUNDS: '0',
      },
      '/',
    );
    expect(s.llm).toMatchObject({ provider: 'openai', baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k', model: 'm', concurrency: 3 });
    // The embedding endpoint defaults to the LLM's.
    expect(s.embedding).toMatchObject({ provider: 'openai', baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k', model: 'e', dim: 1536 });
    expect(s.trainingDataDir).toBe('/data');
    expect(s.storeUrl).toBe('postgresql://u@h/db');
    expect(s.repairRounds).toBe(0);
  });

  it('names every invalid variable, its value and what is accepted', () => {
    let error: unknown;
    try {
      loadSettings({ LLM_PROVIDER: 'gpt4', LLM_CONCURRENCY: '0', EMBEDDING_DIM: 'abc', DP_STORE_URL: 'mysql://x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const problems = (error as SettingsError).problems.join('\n');
    expect(problems).toMatch(/LLM_PROVIDER: .*"builtin".*"openai".* \(got "gpt4"\)/);
    expect(problems).toMatch(/LLM_CONCURRENCY: .*>=1.* \(got "0"\)/);
    expect(problems).toMatch(/EMBEDDING_DIM: .* \(got "abc"\)/);
    expect(problems).toMatch(/DP_STORE_URL: .*postgresql:\/\/ URL.* \(got "mysql:\/\/x"\)/);
  });

  it('never shows a password, key or token of a setting in its message', () => {
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadSettings(env, '/');
      } catch (error) {
        expect(error).toBeInstanceOf(SettingsError);
        return (error as SettingsError).problems.join('\n');
      }
      throw new Error('the settings were accepted');
    };
    const store = problemsOf({ DP_STORE_URL: 'mysql://root:STORESECRET3@h/db' });
    expect(store).toMatch(/DP_STORE_URL: must be a postgresql:\/\/ URL \(got "mysql:\/\/root:\*\*\*@h\/db"\)/);
    const defaults = problemsOf({ DP_DEFAULT_DB_URL: 'mysql://root:DEFSECRET4@h/db' });
    expect(defaults).toMatch(/DP_DEFAULT_DB_URL: must be "sample" or a postgresql:\/\/ URL \(got "mysql:\/\/root:\*\*\*@h\/db"\)/);
    const llm = problemsOf({ LLM_BASE_URL: 'ftp://u:LLMSECRET6@h/v1', EMBEDDING_BASE_URL: 'ftp://u:EMBSECRET7@h' });
    expect(llm).toMatch(/LLM_BASE_URL: must be an http:\/\/ or https:\/\/ URL \(got "ftp:\/\/u:\*\*\*@h\/v1"\)/);
    // No `@`: what follows a `:` may be a password; the scheme alone is shown.
    expect(problemsOf({ DP_STORE_URL: 'mysql://root:NOATSECRET' })).toMatch(/DP_STORE_URL: .* \(got "mysql:\/\/…"\)/);
    for (const text of [store, defaults, llm]) expect(text).not.toMatch(/SECRET/);
  });

  it('refuses a DP_DEFAULT_DB_URL that does not parse or names no host, naming the variable, never the password', () => {
    for (const value of [
      'postgresql://postgres:DEF#SECRET5@127.0.0.1:5432/db',
      'postgresql://postgres:DEF/SECRET5@127.0.0.1/db',
      'postgresql:///db',
      'postgres',
    ]) {
      let error: unknown;
      try {
        loadSettings({ DP_DEFAULT_DB_URL: value }, '/');
      } catch (e) {
        error = e;
      }
      expect(error, value).toBeInstanceOf(SettingsError);
      const problems = (error as SettingsError).problems.join('\n');
      expect(problems).toMatch(/^DP_DEFAULT_DB_URL: must be "sample" or a postgresql:\/\/ URL/);
      expect(problems).not.toContain('SECRET5');
    }
    expect(loadSettings({ DP_DEFAULT_DB_URL: 'sample' }, '/').server.defaultDbUrl).toBe('sample');
    expect(loadSettings({ DP_DEFAULT_DB_URL: '' }, '/').server.defaultDbUrl).toBe('sample');
    expect(loadSettings({ DP_DEFAULT_DB_URL: 'postgresql://u:p%23w@db.example:5432/app' }, '/').server.defaultDbUrl).toBe(
      'postgresql://u:p%23w@db.example:5432/app',
    );
  });

  it('requires a model for the openai providers and http URLs', () => {
    expect(() => loadSettings({ LLM_PROVIDER: 'openai' })).toThrow(/LLM_MODEL: required when LLM_PROVIDER=openai/);
    expect(() => loadSettings({ EMBEDDING_PROVIDER: 'openai' })).toThrow(/EMBEDDING_MODEL: required/);
    expect(() => loadSettings({ LLM_BASE_URL: 'ftp://x' })).toThrow(/LLM_BASE_URL: must be an http/);
  });
});
