/** `data-pipeline demo` (`npm run demo`): everything on the bundled sample database, offline. */
import path from 'node:path';
import type { Settings } from '../../config/settings.js';
import { SAMPLE_TABLES, SAMPLE_VIEWS } from '../../source/sample/sample-names.js';
import { SAMPLE_SOURCE } from '../../source/source-database.js';
import { compactTimestamp } from '../../util/time.js';
import { TaskDirectory } from '../../task-directory/task-dir.js';
import { TABLE_LIST_FILE } from '../../task-directory/task-files.js';
import { EXIT, runAndReport, storeHeldProblem } from '../run-and-report.js';
import { workflowOptions } from '../../workflow/run-options.js';

export const DEMO_BUSINESS_CONTEXT =
  'Trailhead Outfitters, an outdoor-gear retailer with web and physical stores: products, inventory, customers, orders, payments, feedback and staff';

export async function demoCommand(
  settings: Settings,
  flags: { outputDir?: string; language: 'en' | 'zh'; json?: boolean; verbose?: boolean },
): Promise<number> {
  const taskId = `demo_${compactTimestamp()}`;
  const options = workflowOptions({
    task_id: taskId,
    db_connection: SAMPLE_SOURCE,
    business_context: DEMO_BUSINESS_CONTEXT,
    language: flags.language,
    // With the built-in embedder, a store an older version filled (builtin-hashing-v1) is
    // re-embedded rather than refused: offline, quick, and the demo keeps working after an upgrade.
    reembed: settings.embedding.provider === 'builtin',
  });
  // A server holding the embedded store is said before the demo's work, not at its last step.
  const held = await storeHeldProblem(settings, options);
  if (held) {
    process.stderr.write(`data-pipeline: ${held}\n`);
    return EXIT.failed;
  }
  const outputDir = path.resolve(flags.outputDir ?? settings.trainingDataDir);
  const dir = await TaskDirectory.open(path.join(outputDir, taskId), { create: true });
  await dir.writeFile(
    TABLE_LIST_FILE,
    ['# The bundled sample database: every table, the view and the materialized view', ...SAMPLE_TABLES, ...SAMPLE_VIEWS, ''].join('\n'),
  );
  if (!flags.json) process.stderr.write(`Demo: sample database "${SAMPLE_SOURCE}", output ${dir.path}\n`);
  return runAndReport({
    dir,
    settings,
    options,
    mode: 'complete',
    output: { json: Boolean(flags.json), verbose: Boolean(flags.verbose) },
  });
}
