/**
 * bench:backup — the file backup of a task directory holding 10,000 small files, against `mv` of
 * the same files into a directory, in the same run (each on a fresh copy of the files). Prints both
 * times and the ratio. Target: at most 1.5× mv.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backupTaskDirectory } from '../src/backup/file-backup.js';

const FILES = Number(process.env.BENCH_FILES ?? 10_000);
const RUNS = 5;
const TARGET_RATIO = 1.5;

async function makeTaskDir(root: string, label: string): Promise<{ dir: string; names: string[] }> {
  const dir = path.join(root, label);
  await fs.mkdir(dir);
  const names: string[] = [];
  for (let i = 0; i < FILES; i += 1) {
    const name = `f${String(i).padStart(5, '0')}.${['ddl', 'md', 'json', 'log'][i % 4]}`;
    names.push(name);
    await fs.writeFile(path.join(dir, name), `content of file ${i}\n`);
  }
  await fs.writeFile(path.join(dir, 'table_list.txt'), 'orders\n');
  return { dir, names };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dp-bench-backup-'));
try {
  const ours: number[] = [];
  const mv: number[] = [];
  for (let run = 0; run <= RUNS; run += 1) {
    // mv: one process moving every file, as a person would (`mv f* file_bak_x/`).
    const forMv = await makeTaskDir(root, `mv_${run}`);
    await fs.mkdir(path.join(forMv.dir, 'file_bak_mv'));
    let started = performance.now();
    execFileSync('mv', ['-t', path.join(forMv.dir, 'file_bak_mv'), ...forMv.names.map((n) => path.join(forMv.dir, n))]);
    const mvMs = performance.now() - started;

    const forUs = await makeTaskDir(root, `ours_${run}`);
    started = performance.now();
    const outcome = await backupTaskDirectory(forUs.dir, { taskId: 'bench', trigger: 'execute' });
    const ourMs = performance.now() - started;
    if (outcome.record?.moved_files.length !== FILES) throw new Error(`the backup moved ${outcome.record?.moved_files.length} of ${FILES} files`);
    // The first run of each warms caches and is not counted.
    if (run > 0) {
      mv.push(mvMs);
      ours.push(ourMs);
    }
    await fs.rm(forMv.dir, { recursive: true, force: true });
    await fs.rm(forUs.dir, { recursive: true, force: true });
  }
  const ratio = median(ours) / median(mv);
  console.log(`bench:backup — ${FILES.toLocaleString('en-US')} small files, median of ${RUNS} runs after a warm-up`);
  console.log(`  mv (one process)             ${median(mv).toFixed(1).padStart(8)} ms   runs: ${mv.map((v) => v.toFixed(0)).join(', ')}`);
  console.log(`  our backup (journal, record) ${median(ours).toFixed(1).padStart(8)} ms   runs: ${ours.map((v) => v.toFixed(0)).join(', ')}`);
  console.log(`  ratio ours / mv: ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x) ${ratio <= TARGET_RATIO ? 'MET' : 'MISSED'}`);
} finally {
  await fs.rm(root, { recursive: true, force: true });
}
