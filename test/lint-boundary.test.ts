/**
 * The architecture's boundary is a lint rule (biome.json): a route that imports the engine directly
 * is refused, while a route going through the services, and the services importing the engine,
 * pass. The probes are linted with the repository's own configuration in a scratch tree.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, PROJECT_ROOT } from './support/env.js';

const BIOME = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'biome');

async function lint(file: string, source: string): Promise<{ status: number | null; output: string }> {
  const root = await makeTempDir('dp-lint-');
  // The repository's configuration, outside its git work tree (so without the ignore file).
  const config = { ...JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'biome.json'), 'utf8')), vcs: { enabled: false } };
  writeFileSync(path.join(root, 'biome.json'), JSON.stringify(config));
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), source);
  const result = spawnSync(BIOME, ['lint', file], { cwd: root, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the server/engine boundary', () => {
  it('refuses an engine import in src/server/, naming the rule and the way through', async () => {
    for (const [file, from] of [
      ['src/server/routes/probe.ts', '../../tasks/runner.js'],
      ['src/server/routes/probe.ts', '../../workflow/steps/registry.js'],
      ['src/server/probe.ts', '../db/postgres-database.js'],
      ['src/server/routes/probe.ts', '../../task-directory/task-dir.js'],
      ['src/server/schemas/probe.ts', '../../backup/backup-names.js'],
    ] as const) {
      const result = await lint(file, `import { x } from '${from}';\nexport const y = x;\n`);
      expect(result.status, `${file} importing ${from}`).not.toBe(0);
      expect(result.output).toMatch(/lint\/style\/noRestrictedImports/);
      expect(result.output).toMatch(/through src\/services\/ only/);
    }
  });

  it('lets src/server/ import the services, and the services import the engine', async () => {
    const route = await lint('src/server/routes/probe.ts', `import { x } from '../../services/execute.js';\nexport const y = x;\n`);
    expect(route.status, route.output).toBe(0);
    const service = await lint('src/services/probe.ts', `import { x } from '../tasks/runner.js';\nexport const y = x;\n`);
    expect(service.status, service.output).toBe(0);
  });
});
