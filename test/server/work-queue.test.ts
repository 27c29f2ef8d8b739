import { describe, expect, it } from 'vitest';
import { workQueue } from '../../src/server/work-queue.js';

describe('workQueue', () => {
  it('runs at most `width` jobs at once, in arrival order; a failing job gives its place back', async () => {
    const run = workQueue(2);
    let active = 0;
    let most = 0;
    const started: number[] = [];
    const job = (i: number) => async () => {
      started.push(i);
      active++;
      most = Math.max(most, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active--;
      if (i === 1) throw new Error('job 1 fails');
      return i;
    };
    const results = await Promise.allSettled(Array.from({ length: 7 }, (_, i) => run(job(i))));
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed'))).toEqual([0, 'failed', 2, 3, 4, 5, 6]);
    expect(await run(async () => 'after')).toBe('after');
  });

  it('lets the event loop turn before each job: a timer due during one job fires before the next', async () => {
    const run = workQueue(1);
    const order: string[] = [];
    const busy = (name: string) => async () => {
      order.push(name);
      if (name === 'a') setTimeout(() => order.push('timer'), 0); // due long before `a` ends
      const end = Date.now() + 20;
      while (Date.now() < end); // work on this thread
    };
    const a = run(busy('a'));
    const b = run(busy('b'));
    await Promise.all([a, b]);
    expect(order).toEqual(['a', 'timer', 'b']);
  });
});
