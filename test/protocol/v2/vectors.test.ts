import { describe, expect, it } from 'vitest';
import { crc16, crc32, encodePacket, encodePacketInto, PacketDecoder, type Packet } from '../../../protocol/v2/index.js';
import { hex, readShared } from '../../support/shared.js';

interface Vectors {
  crc: { data_hex: string; crc16: number; crc32: number }[];
  packets: { name: string; seq: number; chan: number; flags: number; opcode: number; payload_hex: string; packet_hex: string }[];
}
// Throws (failing this file with the missing path) when ../shared/reference/v2-vectors.json is absent.
const vectors = JSON.parse(readShared('reference', 'v2-vectors.json').toString('utf8')) as Vectors;
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('v2-vectors.json', () => {
  it('has vectors to check', () => {
    expect(vectors.crc.length).toBeGreaterThanOrEqual(5);
    expect(vectors.packets.length).toBeGreaterThanOrEqual(7);
  });

  for (const v of vectors.crc) {
    it(`CRC-16 and CRC-32 of ${v.data_hex.length / 2} bytes`, () => {
      const data = hex(v.data_hex);
      expect(crc16(data)).toBe(v.crc16);
      expect(crc32(data)).toBe(v.crc32);
    });
  }

  it('CRC-32 continues across split ranges and works over a subrange', () => {
    const longest = vectors.crc.reduce((a, b) => (b.data_hex.length > a.data_hex.length ? b : a));
    const data = hex(longest.data_hex);
    expect(data.length).toBeGreaterThan(1000);
    for (const cut of [1, 7, 8, 9, 15, 16, 17, 1000, data.length - 1]) expect(crc32(data, cut, data.length, crc32(data, 0, cut))).toBe(longest.crc32);
    const padded = new Uint8Array(data.length + 5);
    padded.set(data, 3);
    expect(crc32(padded, 3, 3 + data.length)).toBe(longest.crc32);
  });

  for (const v of vectors.packets) {
    const packet: Packet = { seq: v.seq, chan: v.chan, flags: v.flags, opcode: v.opcode, payload: hex(v.payload_hex) };
    it(`encodes "${v.name}" byte for byte, alone and into a buffer at an offset`, () => {
      expect(toHex(encodePacket(packet))).toBe(v.packet_hex);
      const out = new Uint8Array(v.packet_hex.length / 2 + 9).fill(0xee);
      expect(encodePacketInto(packet, out, 5)).toBe(v.packet_hex.length / 2);
      expect(toHex(out.subarray(5, out.length - 4))).toBe(v.packet_hex);
      expect([...out.subarray(0, 5), ...out.subarray(out.length - 4)]).toEqual(new Array(9).fill(0xee));
    });
    it(`decodes "${v.name}"`, () => {
      const got: Packet[] = [];
      new PacketDecoder().push(hex(v.packet_hex), (p) => got.push(p));
      expect(got).toEqual([packet]);
    });
  }
});
