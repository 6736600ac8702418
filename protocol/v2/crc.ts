/**
 * Protocol V2 checksums (openmv/openmv common/omv_crc.c): CRC-16 poly 0xF94F and CRC-32 poly 0xFA567D89, both
 * MSB-first (not reflected), init all ones, no final XOR. CRC-32 runs slice-by-8 because it covers every byte
 * of every frame we move; CRC-16 only ever covers 8 header bytes.
 */
const CRC16_POLY = 0xf94f;
const CRC32_POLY = 0xfa567d89;

const CRC16_TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let b = 0; b < 8; b++) c = c & 0x8000 ? (c << 1) ^ CRC16_POLY : c << 1;
  CRC16_TABLE[i] = c & 0xffff;
}

/** CRC32_TABLES[k][i]: byte i followed by k zero bytes. */
const CRC32_TABLES = Array.from({ length: 8 }, () => new Uint32Array(256));
const [T0, T1, T2, T3, T4, T5, T6, T7] = CRC32_TABLES as [
  Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array,
];
for (let i = 0; i < 256; i++) {
  let c = i << 24;
  for (let b = 0; b < 8; b++) c = c & 0x80000000 ? (c << 1) ^ CRC32_POLY : c << 1;
  T0[i] = c >>> 0;
}
for (let k = 1; k < 8; k++) {
  const prev = CRC32_TABLES[k - 1] as Uint32Array;
  const cur = CRC32_TABLES[k] as Uint32Array;
  for (let i = 0; i < 256; i++) {
    const p = prev[i] as number;
    cur[i] = ((p << 8) ^ (T0[p >>> 24] as number)) >>> 0;
  }
}

export const CRC16_INIT = 0xffff;
export const CRC32_INIT = 0xffffffff;

/** CRC-16 of data[start, end). Pass a previous result as `crc` to continue a running checksum. */
export function crc16(data: Uint8Array, start = 0, end = data.length, crc = CRC16_INIT): number {
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) ^ (CRC16_TABLE[((crc >>> 8) ^ (data[i] as number)) & 0xff] as number)) & 0xffff;
  }
  return crc;
}

/** CRC-32 of data[start, end). Pass a previous result as `crc` to continue a running checksum. */
export function crc32(data: Uint8Array, start = 0, end = data.length, crc = CRC32_INIT): number {
  let i = start;
  const fastEnd = end - ((end - start) & 7);
  while (i < fastEnd) {
    const hi = crc ^ (((data[i] as number) << 24) | ((data[i + 1] as number) << 16) | ((data[i + 2] as number) << 8) | (data[i + 3] as number));
    crc =
      (T7[hi >>> 24] as number) ^
      (T6[(hi >>> 16) & 0xff] as number) ^
      (T5[(hi >>> 8) & 0xff] as number) ^
      (T4[hi & 0xff] as number) ^
      (T3[data[i + 4] as number] as number) ^
      (T2[data[i + 5] as number] as number) ^
      (T1[data[i + 6] as number] as number) ^
      (T0[data[i + 7] as number] as number);
    i += 8;
  }
  for (; i < end; i++) crc = (crc << 8) ^ (T0[((crc >>> 24) ^ (data[i] as number)) & 0xff] as number);
  return crc >>> 0;
}
