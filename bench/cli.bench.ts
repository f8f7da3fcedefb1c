/**
 * bench:cli — wall time of `data-pipeline --help` as a whole process (spawn to exit), median of
 * RUNS runs after WARM_UPS, against the baseline of the same run: an empty Node.js process
 * (`node -e ""`), the least any command of ours can cost. Target: `--help` at most 0.3 s.
 *
 * Also printed, to say where the time goes:
 * - the same `--help` without source maps (bin/data-pipeline.js enables them so that task-log stack
 *   traces name src/…/x.ts): what enabling them costs;
 * - the same `--help` compiled by tsx at start from src/ (how bin/ ran before dist/): what the build saves;
 * - what dist/cli/main.js loads before it can print the help: the packages its static imports reach
 *   (found by following the relative imports), then its own imports, each timed in order in one
 *   process (a later import does not pay again for what an earlier one loaded).
 *
 *   npm run bench:cli        (builds dist/ first when src/ changed)
 *
 * A benchmark reports; it exits 0 even when the target is missed (non-zero only when it cannot run).
 */
import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const WARM_UPS = 3;
const TARGET_S = 0.3;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'data-pipeline.js');
const MAIN = path.join(ROOT, 'dist', 'cli', 'main.js');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Wall time in ms of one process, spawn to exit; fails when it does not exit 0. */
function timeProcess(args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status ?? result.signal}:\n${result.stderr}`);
  return ms;
}

interface Contender {
  label: string;
  args: string[];
  runs: number[];
}

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'dp-bench-cli-'));
try {
  // The same entry point as bin/, minus process.setSourceMapsEnabled(true).
  const noMaps = path.join(work, 'help-without-source-maps.mjs');
  await fs.writeFile(noMaps, `await import(${JSON.stringify(pathToFileURL(MAIN).href)});\n`);

  const contenders: Contender[] = [
    { label: 'node -e "" (baseline)', args: ['-e', ''], runs: [] },
    { label: 'data-pipeline --help', args: [BIN, '--help'], runs: [] },
    { label: '  same, no source maps', args: [noMaps, '--help'], runs: [] },
    { label: '  same, tsx from src/ (before)', args: ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts'), '--help'], runs: [] },
  ];
  const help = spawnSync(process.execPath, [BIN, '--help'], { cwd: ROOT, encoding: 'utf8' });
  if (help.status !== 0 || !help.stdout.includes('Usage: data-pipeline')) throw new Error(`data-pipeline --help failed (${help.status}):\n${help.stderr}`);

  for (let run = 0; run < WARM_UPS + RUNS; run += 1) {
    // Interleaved, so drift (other processes on the machine) hits every contender alike.
    for (const c of contenders) {
      const ms = timeProcess(c.args);
      if (run >= WARM_UPS) c.runs.push(ms);
    }
  }

  // What main.js loads before --help can print: the packages its static import graph reaches, then
  // its own imports, in order, in one process.
  const staticImports = (file: string) =>
    [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s+(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)].map((m) => m[1] as string);
  const packages: string[] = [];
  const visited = new Set<string>();
  const visit = (file: string) => {
    if (visited.has(file)) return;
    visited.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
      else if (!spec.startsWith('node:') && !packages.includes(spec)) packages.push(spec);
    }
  };
  visit(MAIN);
  const imports = [...packages, ...staticImports(MAIN).filter((spec) => spec.startsWith('.'))];
  const probe = path.join(work, 'import-times.mjs');
  await fs.writeFile(
    probe,
    [
      `process.setSourceMapsEnabled(true);`,
      `const specs = ${JSON.stringify(imports)};`,
      `const times = {};`,
      `for (const spec of specs) {`,
      `  const start = performance.now();`,
      `  await import(spec.startsWith('.') ? new URL(spec, ${JSON.stringify(pathToFileURL(MAIN).href)}).href : import.meta.resolve(spec, ${JSON.stringify(pathToFileURL(MAIN).href)}));`,
      `  times[spec] = performance.now() - start;`,
      `}`,
      `process.stdout.write(JSON.stringify(times));`,
    ].join('\n'),
  );
  const importRuns: Record<string, number>[] = [];
  for (let i = 0; i < 7; i += 1) {
    const out = spawnSync(process.execPath, ['--experimental-import-meta-resolve', probe], { cwd: ROOT, encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`timing main.js's imports failed:\n${out.stderr}`);
    importRuns.push(JSON.parse(out.stdout) as Record<string, number>);
  }

  const [baseline, ours] = contenders as [Contender, Contender, ...Contender[]];
  const oursS = median(ours.runs) / 1000;
  const ratio = median(ours.runs) / median(baseline.runs);
  const width = Math.max(...contenders.map((c) => c.label.length));
  console.log(`bench:cli — whole process, spawn to exit, median of ${RUNS} runs after ${WARM_UPS} warm-ups (interleaved)`);
  for (const c of contenders) {
    const runs = [...c.runs].sort((a, b) => a - b);
    console.log(`  ${c.label.padEnd(width)} ${median(c.runs).toFixed(0).padStart(5)} ms   min ${runs[0]?.toFixed(0)}, max ${runs.at(-1)?.toFixed(0)}`);
  }
  console.log(
    `  what dist/cli/main.js loads before printing (${visited.size} modules of ours): packages first, then its own imports ` +
      `(the rest of each), in order, median of ${importRuns.length}:`,
  );
  for (const spec of imports)
    console.log(
      `    ${spec.padEnd(28)} ${median(importRuns.map((r) => r[spec] ?? 0))
        .toFixed(1)
        .padStart(6)} ms`,
    );
  console.log(`  ratio --help / empty node process: ${ratio.toFixed(2)}x; ours ${(median(ours.runs) - median(baseline.runs)).toFixed(0)} ms above it`);
  console.log(`  data-pipeline --help: ${oursS.toFixed(3)} s (target <= ${TARGET_S} s) ${oursS <= TARGET_S ? 'MET' : 'MISSED'}`);
} finally {
  await fs.rm(work, { recursive: true, force: true });
}
