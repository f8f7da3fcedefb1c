/**
 * Run progress on the terminal: a bar per step on a TTY, plain lines otherwise. Warnings and
 * errors of the task log go to stderr; info lines only with --verbose.
 */
import type cliProgress from 'cli-progress';
import type { WorkflowEvent } from '../workflow/workflow-types.js';

export interface ProgressReporter {
  onEvent(event: WorkflowEvent): void;
  stop(): void;
}

export async function createProgressReporter(options: { tty: boolean; verbose: boolean; quiet: boolean }): Promise<ProgressReporter> {
  if (options.quiet) return { onEvent: () => undefined, stop: () => undefined };
  // The bars' library is loaded for a terminal only.
  const progressBars = options.tty ? (await import('cli-progress')).default : undefined;
  const multibar = progressBars
    ? new progressBars.MultiBar(
        { format: '  {step} [{bar}] {value}/{total} {unit}', hideCursor: true, stream: process.stderr, clearOnComplete: false },
        progressBars.Presets.shades_classic,
      )
    : undefined;
  const bars = new Map<string, cliProgress.SingleBar>();
  const lastQuarter = new Map<string, number>();
  const print = (text: string) => (multibar ? multibar.log(`${text}\n`) : process.stderr.write(`${text}\n`));

  return {
    onEvent(event) {
      switch (event.type) {
        case 'step_started':
          print(`▶ ${event.step}`);
          return;
        case 'progress': {
          if (multibar) {
            let bar = bars.get(event.step);
            if (!bar) {
              bar = multibar.create(event.total, event.done, { step: event.step, unit: event.unit });
              bars.set(event.step, bar);
            }
            bar.setTotal(event.total);
            bar.update(event.done, { step: event.step, unit: event.unit });
            return;
          }
          // Plain output: at most one line per quarter of a step.
          const quarter = event.total ? Math.floor((event.done / event.total) * 4) : 4;
          if (lastQuarter.get(event.step) !== quarter) {
            lastQuarter.set(event.step, quarter);
            print(`  ${event.step}: ${event.done}/${event.total} ${event.unit}`);
          }
          return;
        }
        case 'step_finished':
          print(`${event.status === 'completed' ? '✔' : '✘'} ${event.step}${event.error ? `: ${event.error}` : ''}`);
          return;
        case 'log': {
          const { level, step, message } = event.record;
          if (level !== 'INFO' && level !== 'DEBUG') print(`  [${level}] [${step}] ${message}`);
          else if (options.verbose && level === 'INFO') print(`  [${step}] ${message}`);
          return;
        }
        default:
          return;
      }
    },
    stop: () => multibar?.stop(),
  };
}
