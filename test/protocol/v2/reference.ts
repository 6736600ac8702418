import type { Packet } from '../../../protocol/v2/index.js';

/**
 * Independent reference implementations for differential tests: bit-at-a-time CRCs straight from the definition
 * (MSB first, init all ones, no final XOR) and a naive whole-stream decoder following the decoding rules literally.
 */
export function bitwiseCrc(data: Uint8Array, width: 16 | 32, poly: number, init: number): number {
  const top = 2 ** (width - 1);
  const mask = 2 ** width - 1;
  let crc = init;
  for (const byte of data) {
    for (let bit = 7; bit >= 0; bit--) {
      const feedback = (crc >= top ? 1 : 0) ^ ((byte >> bit) & 1);
      crc = (crc * 2) % (mask + 1);
      if (feedback) crc = (crc ^ poly) >>> 0;
    }
  }
  return crc;
}

export const refCrc16 = (data: Uint8Array): number => bitwiseCrc(data, 16, 0xf94f, 0xffff);
export const refCrc32 = (data: Uint8Array): number => bitwiseCrc(data, 32, 0xfa567d89, 0xffffffff);

/** Every packet a correct decoder must emit for `stream`; stops at an incomplete candidate, as a stream decoder waits. */
export function naiveDecode(stream: Uint8Array, maxPayload: number, crc = true): Packet[] {
  const out: Packet[] = [];
  let i = 0;
  while (i + 10 <= stream.length) {
    if (stream[i] !== 0xaa || stream[i + 1] !== 0xd5) {
      i++;
      continue;
    }
    const length = stream[i + 6]! + 256 * stream[i + 7]!;
    if (length > maxPayload || (crc && refCrc16(stream.subarray(i, i + 8)) !== stream[i + 8]! + 256 * stream[i + 9]!)) {
      i++;
      continue;
    }
    const total = 10 + length + (length > 0 ? 4 : 0);
    if (i + total > stream.length) break;
    const payload = stream.slice(i + 10, i + 10 + length);
    const t = i + 10 + length;
    if (crc && length > 0 && refCrc32(payload) !== stream[t]! + 256 * stream[t + 1]! + 65536 * stream[t + 2]! + 16777216 * stream[t + 3]!) {
      i++;
      continue;
    }
    out.push({ seq: stream[i + 2]!, chan: stream[i + 3]!, flags: stream[i + 4]!, opcode: stream[i + 5]!, payload });
    i += total;
  }
  return out;
}
