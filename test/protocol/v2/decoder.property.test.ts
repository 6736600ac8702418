import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePacket, PacketDecoder, type Packet } from '../../../protocol/v2/index.js';
import { packetKey } from '../../support/packets.js';

const MAX = 600;
const packetArb = fc.record({
  seq: fc.integer({ min: 0, max: 255 }),
  chan: fc.integer({ min: 0, max: 255 }),
  flags: fc.integer({ min: 0, max: 255 }),
  opcode: fc.integer({ min: 0, max: 255 }),
  payload: fc.uint8Array({ minLength: 0, maxLength: MAX }),
});
/** Noise without 0xAA cannot start a packet, so the decoded list must equal the sent one exactly. */
const noiseArb = fc.uint8Array({ maxLength: 40 }).map((n) => n.map((b) => (b === 0xaa ? 0x55 : b)));

function chunked(stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    chunks.push(stream.subarray(at, p));
    at = p;
  }
  chunks.push(stream.subarray(at));
  return chunks;
}

function decode(chunks: Uint8Array[]): Packet[] {
  const d = new PacketDecoder({ maxPayload: MAX });
  const out: Packet[] = [];
  for (const c of chunks) d.push(c, (p) => out.push(p));
  return out;
}

describe('PacketDecoder properties', () => {
  it('random packets with noise between them, in random chunks, decode to exactly what was sent', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(noiseArb, packetArb), { maxLength: 12 }), noiseArb, fc.array(fc.nat(), { maxLength: 20 }), (items, trailing, cuts) => {
        const stream = new Uint8Array(Buffer.concat([...items.flatMap(([noise, p]) => [noise, encodePacket(p)]), trailing]));
        expect(decode(chunked(stream, cuts)).map(packetKey)).toEqual(items.map(([, p]) => packetKey(p)));
      }),
      { numRuns: 300 },
    );
  });

  it('a single flipped bit never yields a packet that was not sent, and loses at most the packet it hit', () => {
    fc.assert(
      fc.property(fc.array(packetArb, { minLength: 1, maxLength: 8 }), fc.nat(), fc.integer({ min: 0, max: 7 }), fc.array(fc.nat(), { maxLength: 6 }), (packets, at, bit, cuts) => {
        const stream = new Uint8Array(Buffer.concat(packets.map((p) => encodePacket(p))));
        const i = at % stream.length;
        stream[i] = (stream[i] as number) ^ (1 << bit);
        const sent = packets.map(packetKey);
        const got = decode(chunked(stream, cuts)).map(packetKey);
        expect(got.length).toBeGreaterThanOrEqual(sent.length - 1);
        let j = 0;
        for (const key of got) {
          while (j < sent.length && sent[j] !== key) j++;
          expect(j, `decoded packet ${key} was never sent (or is out of order)`).toBeLessThan(sent.length);
          j++;
        }
      }),
      { numRuns: 500 },
    );
  });
});
