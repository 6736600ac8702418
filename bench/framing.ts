import { PacketLengthParser } from '@serialport/parser-packet-length';
import { encodePacket, HEADER_SIZE, PacketDecoder, TRAILER_SIZE } from '../protocol/v2/index.js';
import { bestRate, fmt, reads } from './measure.js';

/**
 * V2 decode throughput (with both CRC checks) against @serialport/parser-packet-length configured for the same
 * header (2-byte sync, u16 length at offset 6, 14 bytes of overhead; it checks no CRC), both fed the same byte
 * stream in 4 KiB reads. The baseline copies its whole buffer once per byte, so it gets a shorter stream.
 */
function stream(payloadSize: number, totalBytes: number): Uint8Array {
  const payload = new Uint8Array(payloadSize).map((_, i) => (i * 31 + 7) & 0xff);
  const size = payloadSize + HEADER_SIZE + TRAILER_SIZE;
  const count = Math.max(1, Math.floor(totalBytes / size));
  const out = new Uint8Array(size * count);
  for (let i = 0; i < count; i++) out.set(encodePacket({ seq: i & 0xff, chan: 5, flags: 0, opcode: 0x26, payload }), i * size);
  return out;
}

async function omvd(chunks: Uint8Array[], bytes: number, expected: number): Promise<number> {
  const rate = await bestRate(bytes, () => {
    const d = new PacketDecoder();
    let n = 0;
    for (const c of chunks) d.push(c, () => n++);
    if (n !== expected) throw new Error(`omvd decoder found ${n} packets, expected ${expected}`);
  });
  return rate.mbPerS;
}

async function baseline(chunks: Uint8Array[], bytes: number, expected: number): Promise<number> {
  const rate = await bestRate(
    bytes,
    () =>
      new Promise<void>((resolve, reject) => {
        const parser = new PacketLengthParser({ delimiter: 0xaad5, delimiterBytes: 2, lengthOffset: 6, lengthBytes: 2, packetOverhead: HEADER_SIZE + TRAILER_SIZE, maxLen: 0xffff });
        let n = 0;
        parser.on('data', () => n++);
        parser.on('error', reject);
        parser.on('end', () => (n === expected ? resolve() : reject(new Error(`baseline found ${n} packets, expected ${expected}`))));
        for (const c of chunks) parser.write(Buffer.from(c.buffer, c.byteOffset, c.length));
        parser.end();
        parser.resume();
      }),
    { runs: 2, minSeconds: 0 },
  );
  return rate.mbPerS;
}

export async function framing(): Promise<string[]> {
  const lines: string[] = [];
  for (const [payloadSize, ourBytes, baseBytes] of [[4082, 32 << 20, 256 << 10], [64, 16 << 20, 64 << 10]] as const) {
    const ours = stream(payloadSize, ourBytes);
    const base = ours.subarray(0, Math.floor(baseBytes / (payloadSize + 14)) * (payloadSize + 14));
    const oursRate = await omvd(reads(ours, 4096), ours.length, ours.length / (payloadSize + 14));
    const baseRate = await baseline(reads(base, 4096), base.length, base.length / (payloadSize + 14));
    lines.push(
      `framing ${String(payloadSize).padStart(4)}-byte packets: omvd ${fmt(oursRate)} MB/s, parser-packet-length ${fmt(baseRate, 2)} MB/s, ratio ${fmt(oursRate / baseRate, 0)}×` +
        (payloadSize === 4082 ? `  (targets: ≥ 400 MB/s, ≥ 200×)` : ''),
    );
  }
  return lines;
}
