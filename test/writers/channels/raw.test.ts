import { appendFileSync, closeSync, mkdtempSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RawChannel } from '../../../host/writers/channels/raw.js';
import type { AnyTypedArray, Dtype } from '../../../host/writers/dtype.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'omvd-raw-'));

/** Little-endian bytes written by hand with Buffer, independent of the channel code. */
function le(write: (b: Buffer, value: never, offset: number) => number, size: number, values: readonly unknown[]): Uint8Array {
  const b = Buffer.alloc(size * values.length);
  values.forEach((v, i) => write(b, v as never, i * size));
  return new Uint8Array(b);
}

const CASES: { dtype: Dtype; shape: number[]; data: AnyTypedArray; bytes: Uint8Array }[] = [
  { dtype: 'u1', shape: [], data: Uint8Array.of(0, 7, 255), bytes: Uint8Array.of(0, 7, 255) },
  { dtype: 'i2', shape: [3], data: Int16Array.of(-1, 2, -300, 4, 5, 32767), bytes: le((b, v, o) => b.writeInt16LE(v, o), 2, [-1, 2, -300, 4, 5, 32767]) },
  { dtype: 'u4', shape: [2, 2], data: Uint32Array.of(1, 2, 3, 4, 4294967295, 6, 7, 8), bytes: le((b, v, o) => b.writeUInt32LE(v, o), 4, [1, 2, 3, 4, 4294967295, 6, 7, 8]) },
  { dtype: 'f4', shape: [2], data: Float32Array.of(1.5, -2.25, 3, 0.5), bytes: le((b, v, o) => b.writeFloatLE(v, o), 4, [1.5, -2.25, 3, 0.5]) },
  { dtype: 'f8', shape: [], data: Float64Array.of(1763812800.125, -0.5), bytes: le((b, v, o) => b.writeDoubleLE(v, o), 8, [1763812800.125, -0.5]) },
  { dtype: 'i8', shape: [2], data: BigInt64Array.of(-2n, 9007199254740993n), bytes: le((b, v, o) => b.writeBigInt64LE(v, o), 8, [-2n, 9007199254740993n]) },
];

describe('RawChannel', () => {
  it.each(CASES)('writes $dtype × $shape as headerless little-endian bytes and reads them back', async ({ dtype, shape, data, bytes }) => {
    const ch = new RawChannel(join(tmp(), 'x'), dtype, shape);
    await ch.write(data);
    expect(new Uint8Array(readFileSync(ch.path))).toEqual(bytes);
    const n = bytes.length / ch.size;
    expect(await ch.length()).toBe(n);
    const all = await ch.read();
    expect(all.shape).toEqual([n, ...shape]);
    expect(all.data).toEqual(data);
    const last = await ch.read(n - 1, 1);
    expect(last.shape).toEqual([1, ...shape]);
    expect([...last.data]).toEqual([...data].slice(-last.data.length));
  });

  it('appends, ignores a trailing partial sample, and cuts it off before the next append', async () => {
    const ch = new RawChannel(join(tmp(), 'xy'), 'f4', [2]);
    expect(ch.size).toBe(8);
    await ch.write(Float32Array.of(1, 2, 3, 4));
    await ch.write(Float32Array.of(5, 6), { append: true });
    appendFileSync(ch.path, Uint8Array.of(9, 9, 9));
    expect(await ch.length()).toBe(3);
    expect([...(await ch.read()).data]).toEqual([1, 2, 3, 4, 5, 6]);
    await ch.write(Float32Array.of(7, 8), { append: true });
    expect(statSync(ch.path).size).toBe(32);
    expect([...(await ch.read(3, 1)).data]).toEqual([7, 8]);
    await ch.write(Float32Array.of(0, 0));
    expect(statSync(ch.path).size).toBe(8);
  });

  it('accepts raw bytes as samples but refuses a typed array of another dtype', async () => {
    const ch = new RawChannel(join(tmp(), 'v'), 'u2', []);
    await ch.write(Uint8Array.of(1, 2, 3, 4));
    expect([...(await ch.read()).data]).toEqual([0x0201, 0x0403]);
    await expect(ch.write(Float32Array.of(1))).rejects.toThrow(/cannot write a Float32Array to a u2 channel/);
  });

  it('refuses data that is not whole samples, naming the expected and actual bytes', async () => {
    const ch = new RawChannel(join(tmp(), 'v'), 'f8', [2]);
    await expect(ch.write(Float64Array.of(1, 2, 3))).rejects.toThrow(/a sample is 16 bytes .*expected a multiple of 16 bytes, got 24/);
    await expect(ch.consume([Float64Array.of(1, 2), Float64Array.of(3)])).rejects.toThrow(RangeError);
    await expect(ch.consume([Float64Array.of(1)])).rejects.toThrow(/expected 16 bytes, got 8/);
  });

  it('throws a RangeError for reads out of range', async () => {
    const ch = new RawChannel(join(tmp(), 'v'), 'u1', []);
    await ch.write(Uint8Array.of(1, 2, 3));
    await expect(ch.read(2, 2)).rejects.toThrow(/cannot read samples \[2, 4\).*holds 3 sample/);
    await expect(ch.read(4)).rejects.toThrow(/cannot read from sample 4.*holds 3/);
    await expect(ch.read(-1, 1)).rejects.toThrow(RangeError);
    await expect(ch.read(0, 1.5)).rejects.toThrow(RangeError);
    await expect(ch.read(0, -2)).rejects.toThrow(RangeError);
    expect((await ch.read(3)).shape).toEqual([0]);
  });

  it('treats a missing file as empty', async () => {
    const ch = new RawChannel(join(tmp(), 'none'), 'f8', []);
    expect(await ch.length()).toBe(0);
    expect((await ch.read()).shape).toEqual([0]);
    await expect(ch.read(0, 1)).rejects.toThrow(RangeError);
  });

  it('reads a slice of a file too big to load whole (8 GiB, sparse) with positioned reads', async () => {
    const path = join(tmp(), 'big');
    const fd = openSync(path, 'w');
    const last = Buffer.alloc(8);
    last.writeDoubleLE(42.5);
    writeSync(fd, last, 0, 8, 2 ** 33 - 8);
    closeSync(fd);
    const ch = new RawChannel(path, 'f8', []);
    expect(await ch.length()).toBe(2 ** 30);
    expect([...(await ch.read(2 ** 30 - 1, 1)).data]).toEqual([42.5]);
    expect([...(await ch.read(2 ** 29, 2)).data]).toEqual([0, 0]);
  });

  it('openLike keeps the class, dtype and shape at another path', () => {
    const dir = tmp();
    const ch = new RawChannel(join(dir, 'a'), 'i2', [4, 3]);
    const like = ch.openLike(join(dir, 'b'));
    expect(like).toBeInstanceOf(RawChannel);
    expect([like.path, like.dtype, like.shape, like.size]).toEqual([join(dir, 'b'), 'i2', [4, 3], 24]);
  });

  it('bufferToArray views samples with or without the batch axis', () => {
    const ch = new RawChannel('unused', 'u2', [2]);
    const buf = Uint8Array.of(1, 0, 2, 0, 3, 0, 4, 0);
    expect(ch.bufferToArray(buf)).toEqual({ data: Uint16Array.of(1, 2, 3, 4), shape: [2, 2] });
    expect(ch.bufferToArray(buf.subarray(0, 4), { batch: false })).toEqual({ data: Uint16Array.of(1, 2), shape: [2] });
    expect(() => ch.bufferToArray(buf, { batch: false })).toThrow(/8 bytes is not one sample of 4 bytes/);
    expect(() => ch.bufferToArray(buf.subarray(0, 6))).toThrow(RangeError);
  });

  it('refuses a shape with a zero or fractional axis', () => {
    expect(() => new RawChannel('x', 'u1', [3, 0])).toThrow(/must be positive integers/);
    expect(() => new RawChannel('x', 'u1', [1.5])).toThrow(RangeError);
  });

  it('replaces the file when consuming without append, and appends with it', async () => {
    const path = join(tmp(), 'c');
    writeFileSync(path, Uint8Array.of(9, 9, 9, 9));
    const ch = new RawChannel(path, 'u2', []);
    await ch.consume([Uint16Array.of(1), Uint16Array.of(2)]);
    await ch.consume([Uint16Array.of(3)], { append: true });
    expect([...readFileSync(path)]).toEqual([1, 0, 2, 0, 3, 0]);
  });
});
