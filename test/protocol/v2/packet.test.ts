import { describe, expect, it } from 'vitest';
import { encodePacket, encodePacketInto, packetSize } from '../../../protocol/v2/packet.js';
import { refCrc16, refCrc32 } from './reference.js';

const ok = { seq: 0, chan: 0, flags: 0, opcode: 0, payload: new Uint8Array(0) };

describe('encodePacket', () => {
  it('lays out sync, seq, chan, flags, opcode, LE length, LE CRC-16, payload, LE CRC-32', () => {
    const payload = new Uint8Array(300).map((_, i) => i & 0xff);
    const p = encodePacket({ seq: 0x12, chan: 3, flags: 0x18, opcode: 0x26, payload });
    expect(p.length).toBe(10 + 300 + 4);
    expect([...p.subarray(0, 8)]).toEqual([0xaa, 0xd5, 0x12, 3, 0x18, 0x26, 300 & 0xff, 300 >> 8]);
    const view = new DataView(p.buffer);
    expect(view.getUint16(8, true)).toBe(refCrc16(p.subarray(0, 8)));
    expect(p.subarray(10, 310)).toEqual(payload);
    expect(view.getUint32(310, true)).toBe(refCrc32(payload));
  });

  it('omits the CRC-32 trailer for an empty payload', () => {
    expect(packetSize(0)).toBe(10);
    expect(packetSize(1)).toBe(15);
    expect(packetSize(4082)).toBe(4096);
    expect(encodePacket({ seq: 1, chan: 2, flags: 3, opcode: 4, payload: new Uint8Array(0) }).length).toBe(10);
  });

  it('writes zero CRC fields when CRCs are negotiated off', () => {
    const p = encodePacket({ seq: 1, chan: 2, flags: 0, opcode: 0x26, payload: new Uint8Array([9, 9]) }, { crc: false });
    expect([...p]).toEqual([0xaa, 0xd5, 1, 2, 0, 0x26, 2, 0, 0, 0, 9, 9, 0, 0, 0, 0]);
    expect([...encodePacket(ok, { crc: false })]).toEqual([0xaa, 0xd5, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('encodes the largest payload the u16 length allows', () => {
    const p = encodePacket({ ...ok, payload: new Uint8Array(65535).fill(7) });
    expect(p.length).toBe(65535 + 14);
    expect([p[6], p[7]]).toEqual([0xff, 0xff]);
  });

  it('refuses fields that do not fit their bytes and packets that do not fit the buffer', () => {
    expect(() => encodePacket({ ...ok, seq: 256 })).toThrow(RangeError);
    expect(() => encodePacket({ ...ok, chan: 1.5 })).toThrow(/chan/);
    expect(() => encodePacket({ ...ok, flags: Number.NaN })).toThrow(/flags/);
    expect(() => encodePacket({ ...ok, opcode: -1 })).toThrow(/opcode/);
    expect(() => encodePacket({ ...ok, payload: new Uint8Array(65536) })).toThrow(/u16/);
    expect(() => encodePacketInto({ ...ok, payload: new Uint8Array(4) }, new Uint8Array(17))).toThrow(/does not fit/);
    expect(() => encodePacketInto(ok, new Uint8Array(20), 11)).toThrow(RangeError);
    expect(() => encodePacketInto(ok, new Uint8Array(20), -1)).toThrow(RangeError);
  });

  it('encodes into a larger buffer at an offset without touching the bytes around it', () => {
    const out = new Uint8Array(40).fill(0xee);
    const n = encodePacketInto({ seq: 5, chan: 0, flags: 0, opcode: 18, payload: new Uint8Array(0) }, out, 7);
    expect(n).toBe(10);
    expect(Buffer.from(out.subarray(7, 17)).toString('hex')).toBe('aad505000012000063bf');
    expect(out[6]).toBe(0xee);
    expect(out[17]).toBe(0xee);
  });
});
