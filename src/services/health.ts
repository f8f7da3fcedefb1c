/** Whether the service is up, and how busy. */
import type { ServiceContext } from './context.js';

export function health(ctx: ServiceContext): { status: 'ok'; active_runs: number } {
  return { status: 'ok', active_runs: ctx.runner.activeCount };
}
