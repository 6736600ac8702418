import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePacket, PacketDecoder, type Packet } from '../../../protocol/v2/index.js';
import { chunked } from '../../support/chunks.js';
import { packetKey } from '../../support/packets.js';
import { naiveDecode, refCrc16 } from './reference.js';

const MAX = 600;
const byte = fc.integer({ min: 0, max: 255 });
const packetArb = fc.record({ seq: byte, chan: byte, flags: byte, opcode: byte, payload: fc.uint8Array({ maxLength: MAX }) });

/** Noise without 0xAA cannot start a packet, so the decoded list must equal the sent one exactly. */
const cleanNoise = fc.uint8Array({ maxLength: 40 }).map((n) => n.map((b) => (b === 0xaa ? 0x55 : b)));

/** A header with a valid CRC-16 claiming any length: over the max, zero (a real empty packet) or a lie. */
const fakeHeader = fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 0xffff })).map(([fields, length]) => {
  const h = new Uint8Array([0xaa, 0xd5, ...fields, length & 0xff, length >> 8, 0, 0]);
  const crc = refCrc16(h.subarray(0, 8));
  h[8] = crc & 0xff;
  h[9] = crc >> 8;
  return h;
});
/** Noise built to fool a decoder: sync words, fake headers, cut and corrupted packets, random bytes. */
const hostileNoise = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 20 }),
      fc.constant(Uint8Array.of(0xaa, 0xd5)),
      fc.constant(Uint8Array.of(0xaa)),
      fakeHeader,
      fc.tuple(packetArb, fc.nat()).map(([p, cut]) => {
        const bytes = encodePacket(p);
        return bytes.subarray(0, cut % bytes.length);
      }),
      fc.tuple(packetArb, fc.nat(), fc.integer({ min: 0, max: 7 })).map(([p, at, bit]) => {
        const bytes = encodePacket(p);
        bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ (1 << bit);
        return bytes;
      }),
    ),
    { maxLength: 4 },
  )
  .map((parts) => new Uint8Array(Buffer.concat(parts)));

function decode(chunks: Uint8Array[], crc = true): { packets: Packet[]; decoder: PacketDecoder } {
  const decoder = new PacketDecoder({ maxPayload: MAX, crc });
  const packets: Packet[] = [];
  for (const c of chunks) decoder.push(c, (p) => packets.push(p));
  return { packets, decoder };
}

const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const cuts = fc.array(fc.nat(), { maxLength: 20 });

describe('PacketDecoder properties', () => {
  it('random packets with clean noise between them, in random chunks, decode to exactly what was sent', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(cleanNoise, packetArb), { maxLength: 12 }), cleanNoise, cuts, (items, trailing, cutPoints) => {
        const stream = concat([...items.flatMap(([noise, p]) => [noise, encodePacket(p)]), trailing]);
        const { packets, decoder } = decode(chunked(stream, cutPoints));
        expect(packets.map(packetKey)).toEqual(items.map(([, p]) => packetKey(p)));
        const packetBytes = items.reduce((n, [, p]) => n + encodePacket(p).length, 0);
        expect(decoder.counters.droppedBytes + decoder.pendingBytes).toBe(stream.length - packetBytes);
      }),
      { numRuns: 300 },
    );
  });

  it('with hostile noise between packets, in random chunks, emits exactly what a naive whole-stream decoder finds', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(hostileNoise, packetArb), { maxLength: 8 }), hostileNoise, cuts, fc.boolean(), (items, trailing, cutPoints, crc) => {
        const stream = concat([...items.flatMap(([noise, p]) => [noise, encodePacket(p, { crc })]), trailing]);
        const want = naiveDecode(stream, MAX, crc);
        const { packets, decoder } = decode(chunked(stream, cutPoints), crc);
        expect(packets.map(packetKey)).toEqual(want.map(packetKey));
        expect(decoder.counters.packets).toBe(want.length);
        const packetBytes = want.reduce((n, p) => n + encodePacket(p).length, 0);
        expect(decoder.counters.bytesIn).toBe(stream.length);
        expect(decoder.counters.droppedBytes + decoder.pendingBytes).toBe(stream.length - packetBytes);
      }),
      { numRuns: 300 },
    );
  });

  it('a single flipped bit never yields a packet that was not sent, and loses at most the packet it hit', () => {
    fc.assert(
      fc.property(fc.array(packetArb, { minLength: 1, maxLength: 8 }), fc.nat(), fc.integer({ min: 0, max: 7 }), cuts, (packets, at, bit, cutPoints) => {
        const stream = concat(packets.map((p) => encodePacket(p)));
        const i = at % stream.length;
        stream[i] = (stream[i] as number) ^ (1 << bit);
        const sent = packets.map(packetKey);
        const got = decode(chunked(stream, cutPoints)).packets.map(packetKey);
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
