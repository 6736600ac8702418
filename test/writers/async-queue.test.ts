import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../../host/writers/async-queue.js';

describe('AsyncQueue', () => {
  it('delivers items in order and ends at close()', async () => {
    const q = new AsyncQueue<number>(4);
    const got: number[] = [];
    const consumer = (async () => {
      for await (const x of q) got.push(x);
    })();
    for (let i = 0; i < 20; i++) await q.put(i);
    q.close();
    await consumer;
    expect(got).toEqual([...Array(20).keys()]);
  });

  it('holds the producer while full (backpressure)', async () => {
    const q = new AsyncQueue<string>(2);
    await q.put('a');
    await q.put('b');
    let third = false;
    const p = q.put('c').then(() => (third = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(third).toBe(false);
    expect(await q.take()).toEqual({ done: false, value: 'a' });
    await p;
    expect(third).toBe(true);
    expect(q.length).toBe(2);
  });

  it('rethrows a failure in the consumer after the items queued before it', async () => {
    const q = new AsyncQueue<number>(8);
    await q.put(1);
    q.fail(new Error('camera unplugged'));
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const x of q) got.push(x);
      })(),
    ).rejects.toThrow('camera unplugged');
    expect(got).toEqual([1]);
  });

  it('carries undefined items and refuses puts after close', async () => {
    const q = new AsyncQueue<number | undefined>(2);
    await q.put(undefined);
    q.close();
    expect(await q.take()).toEqual({ done: false, value: undefined });
    expect(await q.take()).toEqual({ done: true, value: undefined });
    await expect(q.put(3)).rejects.toThrow(/closed/);
  });

  it('wakes a blocked producer on close with an error rather than hanging', async () => {
    const q = new AsyncQueue<number>(1);
    await q.put(1);
    const blocked = q.put(2);
    q.close();
    await expect(blocked).rejects.toThrow(/closed/);
  });
});
