import { describe, expect, it } from 'vitest';
import { mapLimit, readAhead } from '../../../host/writers/channels/pool.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A task that records how many tasks run at once and finishes after a delay that varies by index. */
function tracked() {
  const state = { running: 0, peak: 0, started: [] as number[] };
  const fn = async (i: number) => {
    state.started.push(i);
    state.peak = Math.max(state.peak, ++state.running);
    await sleep((i * 7) % 5);
    state.running--;
    return i * 10;
  };
  return { state, fn };
}

describe('mapLimit', () => {
  it('runs at most `limit` tasks at once and returns results in index order', async () => {
    const { state, fn } = tracked();
    expect(await mapLimit(20, 3, fn)).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
    expect(state.peak).toBe(3);
  });

  it('stops starting tasks after one fails', async () => {
    const started: number[] = [];
    const run = mapLimit(50, 2, async (i) => {
      started.push(i);
      await sleep(1);
      if (i === 3) throw new Error('read failed at 3');
      return i;
    });
    await expect(run).rejects.toThrow('read failed at 3');
    await sleep(20);
    expect(started.length).toBeLessThan(8);
  });
});

describe('readAhead', () => {
  it('yields in order with at most `depth` calls in flight', async () => {
    const { state, fn } = tracked();
    const got: number[] = [];
    for await (const x of readAhead(15, 4, fn)) got.push(x);
    expect(got).toEqual(Array.from({ length: 15 }, (_, i) => i * 10));
    expect(state.peak).toBe(4);
  });

  it('does not run past the consumer further than `depth`', async () => {
    const { state, fn } = tracked();
    const it = readAhead(100, 3, fn);
    await it.next();
    await sleep(30);
    expect(state.started).toEqual([0, 1, 2, 3]);
    await it.return(undefined);
  });
});
