import pLimit, { type LimitFunction } from 'p-limit';

/**
 * One concurrency limit per external resource (an LLM endpoint, an embedding endpoint), shared by
 * the whole process so that concurrent runs together respect it.
 */
const limiters = new Map<string, LimitFunction>();

export function sharedLimiter(resource: string, concurrency: number): LimitFunction {
  const key = `${resource}#${concurrency}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = pLimit(concurrency);
    limiters.set(key, limiter);
  }
  return limiter;
}

/** Maps `items` with at most `concurrency` calls of `fn` in flight, keeping the input order. */
export async function mapConcurrent<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const limit = pLimit(Math.max(1, concurrency));
  return Promise.all(items.map((item, index) => limit(() => fn(item, index))));
}
