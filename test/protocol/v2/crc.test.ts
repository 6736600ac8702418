import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc16, crc32 } from '../../../protocol/v2/crc.js';
import { refCrc16, refCrc32 } from './reference.js';

describe('crc16 / crc32', () => {
  it('match the firmware tables (common/omv_crc.c): a single byte from a zero register gives its table entry', () => {
    expect(crc16(Uint8Array.of(0x01), 0, 1, 0)).toBe(0xf94f);
    expect(crc16(Uint8Array.of(0xff), 0, 1, 0)).toBe(0x551e);
    expect(crc32(Uint8Array.of(0x01), 0, 1, 0)).toBe(0xfa567d89);
    expect(crc32(Uint8Array.of(0x80), 0, 1, 0)).toBe(0x4a0d5dd2);
    expect(crc32(Uint8Array.of(0xff), 0, 1, 0)).toBe(0x25c4421b);
  });

  it('agree with a bit-at-a-time CRC for every length 0..100 and 500..530 at every alignment', () => {
    const backing = new Uint8Array(540).map((_, i) => (i * 197 + 11) & 0xff);
    const lengths = [...Array.from({ length: 101 }, (_, n) => n), ...Array.from({ length: 31 }, (_, n) => 500 + n)];
    for (let start = 0; start < 4; start++) {
      for (const len of lengths) {
        const data = backing.subarray(start, start + len);
        if (crc32(data) !== refCrc32(data)) expect.fail(`crc32 of ${len} bytes at offset ${start}`);
        if (crc16(data) !== refCrc16(data)) expect.fail(`crc16 of ${len} bytes at offset ${start}`);
        if (crc32(backing, start, start + len) !== refCrc32(data)) expect.fail(`crc32 range [${start}, ${start + len})`);
      }
    }
  });

  it('agree with a bit-at-a-time CRC on random data, and continue across any split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.nat(), (data, at) => {
        const cut = at % (data.length + 1);
        const want32 = refCrc32(data);
        expect(crc32(data)).toBe(want32);
        expect(crc32(data, cut, data.length, crc32(data, 0, cut))).toBe(want32);
        expect(crc16(data, cut, data.length, crc16(data, 0, cut))).toBe(refCrc16(data));
      }),
      { numRuns: 200 },
    );
  });

  it('refuse ranges outside the buffer', () => {
    const data = new Uint8Array(8);
    expect(() => crc32(data, 0, 9)).toThrow(RangeError);
    expect(() => crc32(data, 5, 4)).toThrow(RangeError);
    expect(() => crc16(data, -1, 4)).toThrow(/not inside the 8-byte buffer/);
    expect(() => crc16(data, 0.5, 4)).toThrow(RangeError);
  });
});
