import { describe, expect, it } from 'vitest';
import { OrderedPipeline } from '../../host/datasets/ordered.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waitUntil = async (done: () => boolean): Promise<void> => {
  while (!done()) await new Promise((r) => setImmediate(r));
};

describe('OrderedPipeline', () => {
  it('works on several items at once but consumes them in the order they came', async () => {
    const out: number[] = [];
    let running = 0;
    let most = 0;
    const pipe = new OrderedPipeline<number, number>(
      4,
      async (n) => {
        most = Math.max(most, ++running);
        await sleep(20 - n); // later items finish first
        running--;
        return n * 10;
      },
      async (r) => void out.push(r),
    );
    for (let i = 0; i < 12; i++) await pipe.add(i);
    await pipe.drain();
    expect(out).toEqual([...Array(12).keys()].map((i) => i * 10));
    expect(most).toBe(4);
  });

  it('stop: the item being consumed ends, nothing after it is consumed, and stop waits for that', async () => {
    const log: string[] = [];
    let release!: () => void;
    const pipe = new OrderedPipeline<number, number>(
      4,
      async (n) => n,
      async (n) => {
        log.push(`start ${n}`);
        if (n === 0) await new Promise<void>((r) => (release = r));
        log.push(`end ${n}`);
      },
    );
    for (let i = 0; i < 3; i++) await pipe.add(i);
    await waitUntil(() => log.length > 0);
    const stopped = pipe.stop().then(() => log.push('stopped'));
    release();
    await stopped;
    expect(log).toEqual(['start 0', 'end 0', 'stopped']);
  });

  it('reports the first failure and consumes nothing after it', async () => {
    const out: number[] = [];
    const pipe = new OrderedPipeline<number, number>(2, async (n) => (n === 3 ? Promise.reject(new Error('bad frame 3')) : n), async (r) => void out.push(r));
    for (let i = 0; i < 3; i++) await pipe.add(i);
    await pipe.add(3);
    await expect(pipe.drain()).rejects.toThrow('bad frame 3');
    expect(out).toEqual([0, 1, 2]);
    await expect(pipe.add(4)).rejects.toThrow('bad frame 3');
  });
});
