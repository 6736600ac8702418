import { describe, expect, it } from 'vitest';
import { crc16, crc32, encodePacket, PacketDecoder, type Packet } from '../../../protocol/v2/index.js';
import { hex, readShared } from '../../support/shared.js';

interface Vectors {
  crc: { data_hex: string; crc16: number; crc32: number }[];
  packets: { name: string; seq: number; chan: number; flags: number; opcode: number; payload_hex: string; packet_hex: string }[];
}
const vectors = JSON.parse(readShared('reference', 'v2-vectors.json').toString('utf8')) as Vectors;

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

  it('CRC-32 continues across split ranges and over a subrange', () => {
    const data = hex(vectors.crc[3]!.data_hex);
    for (const cut of [1, 7, 8, 9, 1000, data.length - 1]) expect(crc32(data, cut, data.length, crc32(data, 0, cut))).toBe(vectors.crc[3]!.crc32);
    const padded = new Uint8Array(data.length + 5);
    padded.set(data, 3);
    expect(crc32(padded, 3, 3 + data.length)).toBe(vectors.crc[3]!.crc32);
  });

  for (const v of vectors.packets) {
    const packet: Packet = { seq: v.seq, chan: v.chan, flags: v.flags, opcode: v.opcode, payload: hex(v.payload_hex) };
    it(`encodes "${v.name}" byte for byte`, () => {
      expect(Buffer.from(encodePacket(packet)).toString('hex')).toBe(v.packet_hex);
    });
    it(`decodes "${v.name}"`, () => {
      const got: Packet[] = [];
      new PacketDecoder().push(hex(v.packet_hex), (p) => got.push(p));
      expect(got).toEqual([packet]);
    });
  }
});
