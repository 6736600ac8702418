/**
 * Protocol V2 checksums (openmv/openmv common/omv_crc.{h,c}): CRC-16 poly 0xF94F and CRC-32 poly 0xFA567D89,
 * both MSB-first (not reflected), init all ones, no final XOR; stored little-endian on the wire.
 * CRC-32 covers every payload byte we move, so it runs slice-by-16 (16 KiB of tables, fits L1 cache).
 */
export const CRC16_POLY = 0xf94f;
export const CRC32_POLY = 0xfa567d89;
export const CRC16_INIT = 0xffff;
export const CRC32_INIT = 0xffffffff;

const CRC16_TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let b = 0; b < 8; b++) c = c & 0x8000 ? (c << 1) ^ CRC16_POLY : c << 1;
  CRC16_TABLE[i] = c;
}

/** T[k * 256 + i] is the CRC-32 contribution of byte value i followed by k zero bytes. */
const T = new Int32Array(16 * 256);
for (let i = 0; i < 256; i++) {
  let c = i << 24;
  for (let b = 0; b < 8; b++) c = c & 0x80000000 ? (c << 1) ^ CRC32_POLY : c << 1;
  T[i] = c;
}
for (let i = 256; i < T.length; i++) {
  const prev = T[i - 256] as number;
  T[i] = (prev << 8) ^ (T[prev >>> 24] as number);
}

function checkRange(data: Uint8Array, start: number, end: number): void {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= data.length)) {
    throw new RangeError(`CRC range [${start}, ${end}) is not inside the ${data.length}-byte buffer`);
  }
}

/** CRC-16 of data[start, end). Pass a previous result as `crc` to continue a running checksum. */
export function crc16(data: Uint8Array, start = 0, end = data.length, crc = CRC16_INIT): number {
  checkRange(data, start, end);
  return crc16Span(data, start, end, crc);
}

/** CRC-32 of data[start, end). Pass a previous result as `crc` to continue a running checksum. */
export function crc32(data: Uint8Array, start = 0, end = data.length, crc = CRC32_INIT): number {
  checkRange(data, start, end);
  // A DataView costs about as much to make as 100 bytes take to checksum.
  return end - start >= WORDS_WORTH_IT ? crc32Words(data, viewOf(data), start, end, crc) : crc32Bytes(data, start, end, crc);
}

/** Spans from this long checksum faster with crc32Words, even counting a new DataView. */
export const WORDS_WORTH_IT = 512;

export function viewOf(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/** crc16() without the range check, for callers that already bounded [start, end). */
export function crc16Span(data: Uint8Array, start: number, end: number, crc: number): number {
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) ^ (CRC16_TABLE[((crc >>> 8) ^ (data[i] as number)) & 0xff] as number)) & 0xffff;
  }
  return crc;
}

/** crc32() without the range check, slice-by-16 with byte loads. */
export function crc32Bytes(d: Uint8Array, start: number, end: number, crc: number): number {
  let c = crc | 0;
  let i = start;
  const blockEnd = end - ((end - start) & 15);
  while (i < blockEnd) {
    const w0 = c ^ (((d[i] as number) << 24) | ((d[i + 1] as number) << 16) | ((d[i + 2] as number) << 8) | (d[i + 3] as number));
    c =
      (T[3840 + (w0 >>> 24)] as number) ^
      (T[3584 + ((w0 >>> 16) & 0xff)] as number) ^
      (T[3328 + ((w0 >>> 8) & 0xff)] as number) ^
      (T[3072 + (w0 & 0xff)] as number) ^
      (T[2816 + (d[i + 4] as number)] as number) ^
      (T[2560 + (d[i + 5] as number)] as number) ^
      (T[2304 + (d[i + 6] as number)] as number) ^
      (T[2048 + (d[i + 7] as number)] as number) ^
      (T[1792 + (d[i + 8] as number)] as number) ^
      (T[1536 + (d[i + 9] as number)] as number) ^
      (T[1280 + (d[i + 10] as number)] as number) ^
      (T[1024 + (d[i + 11] as number)] as number) ^
      (T[768 + (d[i + 12] as number)] as number) ^
      (T[512 + (d[i + 13] as number)] as number) ^
      (T[256 + (d[i + 14] as number)] as number) ^
      (T[d[i + 15] as number] as number);
    i += 16;
  }
  for (; i < end; i++) c = (c << 8) ^ (T[((c >>> 24) ^ (d[i] as number)) & 0xff] as number);
  return c >>> 0;
}

/** crc32() without the range check, slice-by-16 with word loads through `view` (over all of `d`). */
export function crc32Words(d: Uint8Array, view: DataView, start: number, end: number, crc: number): number {
  let c = crc | 0;
  let i = start;
  const blockEnd = end - ((end - start) & 15);
  while (i < blockEnd) {
    // The first word folds into the running CRC, so it is read big-endian; the other three only index tables,
    // so they are read little-endian and their bytes picked in reverse.
    const w0 = c ^ view.getInt32(i, false);
    const w1 = view.getInt32(i + 4, true);
    const w2 = view.getInt32(i + 8, true);
    const w3 = view.getInt32(i + 12, true);
    c =
      (T[3840 + (w0 >>> 24)] as number) ^
      (T[3584 + ((w0 >>> 16) & 0xff)] as number) ^
      (T[3328 + ((w0 >>> 8) & 0xff)] as number) ^
      (T[3072 + (w0 & 0xff)] as number) ^
      (T[2816 + (w1 & 0xff)] as number) ^
      (T[2560 + ((w1 >>> 8) & 0xff)] as number) ^
      (T[2304 + ((w1 >>> 16) & 0xff)] as number) ^
      (T[2048 + (w1 >>> 24)] as number) ^
      (T[1792 + (w2 & 0xff)] as number) ^
      (T[1536 + ((w2 >>> 8) & 0xff)] as number) ^
      (T[1280 + ((w2 >>> 16) & 0xff)] as number) ^
      (T[1024 + (w2 >>> 24)] as number) ^
      (T[768 + (w3 & 0xff)] as number) ^
      (T[512 + ((w3 >>> 8) & 0xff)] as number) ^
      (T[256 + ((w3 >>> 16) & 0xff)] as number) ^
      (T[w3 >>> 24] as number);
    i += 16;
  }
  for (; i < end; i++) c = (c << 8) ^ (T[((c >>> 24) ^ (d[i] as number)) & 0xff] as number);
  return c >>> 0;
}
