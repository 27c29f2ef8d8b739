/**
 * Runs jobs at most `width` at a time, in the order they come, each after a turn of the event loop. Work that
 * finishes together (decodes on sharp's threads) would otherwise run its continuations back to back in one turn,
 * and nothing else (not even /healthz) would be answered until all of them were done.
 */
export function workQueue(width: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async function run<T>(job: () => Promise<T>): Promise<T> {
    if (running < width) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // (the place is handed over, not freed)
    try {
      await new Promise((resolve) => setImmediate(resolve));
      return await job();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
