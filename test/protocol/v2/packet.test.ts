import { describe, expect, it } from 'vitest';
import { encodePacket, encodePacketInto, packetSize } from '../../../protocol/v2/index.js';

describe('encodePacket', () => {
  it('omits the CRC-32 trailer for an empty payload', () => {
    expect(packetSize(0)).toBe(10);
    expect(packetSize(1)).toBe(15);
    expect(encodePacket({ seq: 1, chan: 2, flags: 3, opcode: 4, payload: new Uint8Array(0) }).length).toBe(10);
  });

  it('writes zero CRC fields when CRCs are negotiated off', () => {
    const p = encodePacket({ seq: 1, chan: 2, flags: 0, opcode: 0x26, payload: new Uint8Array([9, 9]) }, { crc: false });
    expect([...p]).toEqual([0xaa, 0xd5, 1, 2, 0, 0x26, 2, 0, 0, 0, 9, 9, 0, 0, 0, 0]);
  });

  it('refuses fields that do not fit their bytes and packets that do not fit the buffer', () => {
    const ok = { seq: 0, chan: 0, flags: 0, opcode: 0, payload: new Uint8Array(0) };
    expect(() => encodePacket({ ...ok, seq: 256 })).toThrow(RangeError);
    expect(() => encodePacket({ ...ok, opcode: -1 })).toThrow(/opcode/);
    expect(() => encodePacket({ ...ok, payload: new Uint8Array(65536) })).toThrow(/u16/);
    expect(() => encodePacketInto({ ...ok, payload: new Uint8Array(4) }, new Uint8Array(17))).toThrow(/does not fit/);
  });

  it('encodes into a larger buffer at an offset', () => {
    const out = new Uint8Array(40).fill(0xee);
    const n = encodePacketInto({ seq: 5, chan: 0, flags: 0, opcode: 18, payload: new Uint8Array(0) }, out, 7);
    expect(n).toBe(10);
    expect(Buffer.from(out.subarray(7, 17)).toString('hex')).toBe('aad505000012000063bf');
    expect(out[6]).toBe(0xee);
    expect(out[17]).toBe(0xee);
  });
});
