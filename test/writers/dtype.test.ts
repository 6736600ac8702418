import { describe, expect, it } from 'vitest';
import { DTYPES, parseDtype, viewAs } from '../../host/writers/dtype.js';

describe('dtype', () => {
  it('accepts numpy spellings with byte-order prefixes', () => {
    expect(parseDtype('<f8')).toBe('f8');
    expect(parseDtype('|u1')).toBe('u1');
    expect(parseDtype('i2')).toBe('i2');
  });

  it('refuses unknown and big-endian dtypes with a message naming the choices', () => {
    expect(() => parseDtype('>f8')).toThrow(/unsupported dtype ">f8".*u1/);
    expect(() => parseDtype('c16')).toThrow(TypeError);
  });

  it('item sizes agree with the typed array element sizes', () => {
    for (const { itemsize, array } of Object.values(DTYPES)) expect(array.BYTES_PER_ELEMENT).toBe(itemsize);
  });

  it('views aligned bytes without copying and copies unaligned ones', () => {
    const buf = new Uint8Array(17);
    new DataView(buf.buffer).setFloat64(8, 2.5, true);
    const aligned = viewAs('f8', buf.subarray(8, 16));
    expect(aligned[0]).toBe(2.5);
    expect(aligned.buffer).toBe(buf.buffer);
    new DataView(buf.buffer).setUint16(1, 513, true);
    const unaligned = viewAs('u2', buf.subarray(1, 3));
    expect(unaligned[0]).toBe(513);
    expect(unaligned.buffer).not.toBe(buf.buffer);
    expect(() => viewAs('u4', buf.subarray(0, 3))).toThrow(RangeError);
  });
});
