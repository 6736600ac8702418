import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { AsyncQueue } from '../../../host/writers/async-queue.js';
import { BlobChannel } from '../../../host/writers/channels/blob.js';
import { RawChannel } from '../../../host/writers/channels/raw.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'omvd-stream-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** An f4 × [2] channel holding samples [0, 0.5], [1, 1.5], … and a trailing partial sample. */
async function pairs(n: number): Promise<RawChannel> {
  const ch = new RawChannel(join(tmp(), 'xy'), 'f4', [2]);
  await ch.write(Float32Array.from({ length: 2 * n }, (_, i) => i / 2));
  appendFileSync(ch.path, Uint8Array.of(1, 2, 3));
  return ch;
}

describe('Channel.stream', () => {
  it('yields single samples without the batch axis by default', async () => {
    const got = await collect((await pairs(3)).stream());
    expect(got.map((s) => s.shape)).toEqual([[2], [2], [2]]);
    expect(got.map((s) => [...s.data])).toEqual([[0, 0.5], [1, 1.5], [2, 2.5]]);
  });

  it('yields batches with a shorter last one, and applies transform', async () => {
    const ch = await pairs(7);
    const got = await collect(ch.stream({ batch: 3 }));
    expect(got.map((b) => b.shape)).toEqual([[3, 2], [3, 2], [1, 2]]);
    expect(got.flatMap((b) => [...b.data])).toEqual(Array.from({ length: 14 }, (_, i) => i / 2));
    const sums = await collect(ch.stream({ batch: 3, transform: (b) => Array.from(b.data, Number).reduce((a, x) => a + x, 0) }));
    expect(sums).toEqual([7.5, 25.5, 12.5]);
    expect(await collect(ch.stream({ transform: async (s) => s.data[1] }))).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5]);
  });

  it('keeps order across read chunks (160 KB of f8, batches of 7)', async () => {
    const ch = new RawChannel(join(tmp(), 't'), 'f8', []);
    await ch.write(Float64Array.from({ length: 20_000 }, (_, i) => i));
    const batches = await collect(ch.stream({ batch: 7 }));
    expect(batches).toHaveLength(Math.ceil(20_000 / 7));
    expect(batches.at(-1)?.shape).toEqual([20_000 % 7]);
    const flat = batches.flatMap((b) => [...b.data]);
    expect(flat.every((v, i) => v === i)).toBe(true);
    expect(flat).toHaveLength(20_000);
  });

  it('streams blobs in order, singly and in batches', async () => {
    const ch = new BlobChannel(join(tmp(), 'b'), 'u1', [1], { ext: 'jpg', workers: 3 });
    const blobs = Array.from({ length: 10 }, (_, i) => Uint8Array.from({ length: 1 + ((i * 7919) % 3000) }, () => i));
    await ch.write(blobs);
    expect(await collect(ch.stream())).toEqual(blobs);
    const batches = await collect(ch.stream({ batch: 4 }));
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(batches.flat()).toEqual(blobs);
    expect(await collect(ch.stream({ transform: (b) => b[0] }))).toEqual([...Array(10).keys()]);
  });

  it('refuses a negative or fractional batch at the call', () => {
    const ch = new RawChannel('unused', 'u1', []);
    expect(() => ch.stream({ batch: -1 })).toThrow(/batch must be an integer ≥ 0/);
    expect(() => ch.streamPrefetch({ batch: 1.5 })).toThrow(RangeError);
  });
});

describe('Channel.streamPrefetch', () => {
  it('yields what stream yields, in order', async () => {
    const ch = await pairs(50);
    const plain = await collect(ch.stream({ batch: 4 }));
    expect(await collect(ch.streamPrefetch({ batch: 4, size: 2 }))).toEqual(plain);
  });

  it('reads ahead of the consumer only as far as the queue size', async () => {
    const ch = await pairs(50);
    let produced = 0;
    const it = ch.streamPrefetch({ size: 4, transform: (s) => (produced++, s.data[0]) });
    // 4 queued, and a 5th made and waiting for room; no more however long the consumer waits.
    await vi.waitFor(() => expect(produced).toBe(5));
    await sleep(30);
    expect(produced).toBe(5);
    expect(await it.next()).toEqual({ done: false, value: 0 });
    await sleep(20);
    expect(produced).toBe(6);
    const rest = await collect(it);
    expect(rest).toEqual(Array.from({ length: 49 }, (_, i) => i + 1));
  });

  it('forwards a failure of the producer after the items before it', async () => {
    const ch = await pairs(20);
    const got: number[] = [];
    const run = async () => {
      for await (const v of ch.streamPrefetch({ size: 3, transform: (s) => {
        const x = Number(s.data[0]);
        if (x === 5) throw new Error('decoder failed on sample 5');
        return x;
      } })) got.push(v);
    };
    await expect(run()).rejects.toThrow('decoder failed on sample 5');
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it('stops the producer when the consumer stops early', async () => {
    const ch = await pairs(200);
    let produced = 0;
    for await (const v of ch.streamPrefetch({ size: 2, transform: (s) => (produced++, s) })) {
      expect(v.shape).toEqual([2]);
      if (produced >= 3) break;
    }
    const after = produced;
    await sleep(30);
    expect(produced).toBe(after);
    expect(after).toBeLessThanOrEqual(6);
  });
});

describe('Channel.consume', () => {
  it('writes what an AsyncQueue delivers until close()', async () => {
    const ch = new RawChannel(join(tmp(), 'q'), 'u4', [2]);
    const queue = new AsyncQueue<Uint32Array>(2);
    const writing = ch.consume(queue);
    for (let i = 0; i < 10; i++) await queue.put(Uint32Array.of(i, i * i));
    queue.close();
    await writing;
    expect([...(await ch.read()).data]).toEqual(Array.from({ length: 10 }, (_, i) => [i, i * i]).flat());
  });

  it('rethrows a producer failure sent with fail(), keeping the samples before it', async () => {
    const ch = new RawChannel(join(tmp(), 'q'), 'f8', []);
    const queue = new AsyncQueue<Float64Array>(4);
    const writing = ch.consume(queue);
    await queue.put(Float64Array.of(1.25));
    await queue.put(Float64Array.of(2.5));
    queue.fail(new Error('camera unplugged'));
    await expect(writing).rejects.toThrow('camera unplugged');
    expect([...(await ch.read()).data]).toEqual([1.25, 2.5]);
  });

  it('does the same for a blob channel, and takes a stream of another channel', async () => {
    const dir = tmp();
    const ch = new BlobChannel(join(dir, 'frames'), 'u1', [2, 2, 3], { ext: 'jpg' });
    const queue = new AsyncQueue<Uint8Array>(1);
    const writing = ch.consume(queue);
    await queue.put(Uint8Array.of(1, 2));
    await queue.put(Uint8Array.of(3));
    queue.fail(new Error('link lost'));
    await expect(writing).rejects.toThrow('link lost');
    expect(readdirSync(ch.path)).toEqual(['000000.jpg', '000001.jpg']);
    const copy = ch.openLike(join(dir, 'copy'));
    await copy.consume(ch.stream());
    expect(await copy.read()).toEqual([Uint8Array.of(1, 2), Uint8Array.of(3)]);
  });

  it('stops at the first wrong-sized sample with a RangeError naming the sizes', async () => {
    const ch = new RawChannel(join(tmp(), 'q'), 'u2', [3]);
    async function* source() {
      yield Uint16Array.of(1, 2, 3);
      yield Uint16Array.of(4, 5);
    }
    await expect(ch.consume(source())).rejects.toThrow(/a sample is 6 bytes \(u2 × \[3\]\): expected 6 bytes, got 4/);
    expect([...(await ch.read()).data]).toEqual([1, 2, 3]);
  });
});
