import { describe, expect, it } from 'vitest';
import { Flag, Opcode, Status } from '../../../../protocol/v2/index.js';
import { bytes, CAPS, READ, readChannel, readpChannel, rig, statusOf, summary } from './fake-host.js';

const FRAG_REQ = Flag.FRAGMENT | Flag.ACK_REQ;
const joined = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

describe('CHANNEL_READ through readp', () => {
  it('sends the whole length at once, fragmented at max payload, one sequence number per fragment', () => {
    const { device, call } = rig();
    const data = bytes(10_000);
    const id = device.registerDynamic(readpChannel(data));
    const s = device.sequence;
    const got = call(Opcode.CHANNEL_READ, id, READ(0, 10_000));
    expect(got.map(summary)).toEqual([
      { seq: s, chan: id, flags: FRAG_REQ, opcode: Opcode.CHANNEL_READ, length: 4082 },
      { seq: s + 1, chan: id, flags: FRAG_REQ, opcode: Opcode.CHANNEL_READ, length: 4082 },
      { seq: s + 2, chan: id, flags: Flag.ACK_REQ, opcode: Opcode.CHANNEL_READ, length: 1836 },
    ]);
    expect(joined(got.map((p) => p.payload))).toEqual(data);
    expect(device.sequence).toBe(s + 3);
    expect(device.stats.sentPackets).toBe(3);
  });

  it('follows a max payload lowered by SET_CAPS', () => {
    const { device, call } = rig();
    const id = device.registerDynamic(readpChannel(bytes(300)));
    call(Opcode.PROTO_SET_CAPS, 0, CAPS({ maxPayload: 128 }));
    expect(call(Opcode.CHANNEL_READ, id, READ(100, 200)).map((p) => p.payload.length)).toEqual([128, 72]);
  });

  it('a readp that returns null is FAILED; a zero length or a channel without read is INVALID', () => {
    const { device, call } = rig();
    const id = device.registerDynamic(readpChannel(bytes(100)));
    const none = device.registerDynamic({ name: 'x', flags: 0, size: () => 1 });
    expect(statusOf(call(Opcode.CHANNEL_READ, id, READ(90, 11))[0]!)).toBe(Status.FAILED);
    expect(statusOf(call(Opcode.CHANNEL_READ, id, READ(0, 0))[0]!)).toBe(Status.INVALID);
    expect(statusOf(call(Opcode.CHANNEL_READ, none, READ(0, 1))[0]!)).toBe(Status.INVALID);
    expect(statusOf(call(Opcode.CHANNEL_READ, 17, READ(0, 1))[0]!)).toBe(Status.INVALID);
  });
});

describe('CHANNEL_READ through read', () => {
  it('loops in 512-byte chunks, one packet each, FRAGMENT on all but the last', () => {
    const { device, call } = rig();
    const data = bytes(1300);
    const calls: [number, number][] = [];
    const id = device.registerDynamic(readChannel(data, Infinity, calls));
    const s = device.sequence;
    const got = call(Opcode.CHANNEL_READ, id, READ(0, 1300));
    expect(got.map((p) => [p.seq, p.flags, p.payload.length])).toEqual([
      [s, FRAG_REQ, 512],
      [s + 1, FRAG_REQ, 512],
      [s + 2, Flag.ACK_REQ, 276],
    ]);
    expect(calls).toEqual([[0, 512], [512, 512], [1024, 276]]);
    expect(joined(got.map((p) => p.payload))).toEqual(data);
  });

  it('sends short reads as they come and asks again for the rest', () => {
    const { device, call } = rig();
    const calls: [number, number][] = [];
    const id = device.registerDynamic(readChannel(bytes(1300), 300, calls));
    const got = call(Opcode.CHANNEL_READ, id, READ(0, 1300));
    expect(got.map((p) => p.payload.length)).toEqual([300, 300, 300, 300, 100]);
    expect(calls).toEqual([[0, 512], [300, 512], [600, 512], [900, 400], [1200, 100]]);
  });

  it('chunks at the max payload when it is below 512', () => {
    const { device, call } = rig();
    const id = device.registerDynamic(readChannel(bytes(250)));
    call(Opcode.PROTO_SET_CAPS, 0, CAPS({ maxPayload: 100 }));
    const got = call(Opcode.CHANNEL_READ, id, READ(0, 250));
    expect(got.map((p) => [p.flags, p.payload.length])).toEqual([[FRAG_REQ, 100], [FRAG_REQ, 100], [Flag.ACK_REQ, 50]]);
  });

  it('a read that returns nothing ends the reply with a FAILED NAK after the fragments already sent', () => {
    const { device, call } = rig();
    const id = device.registerDynamic(readChannel(bytes(600)));
    const s = device.sequence;
    const got = call(Opcode.CHANNEL_READ, id, READ(0, 1000));
    expect(got.map(summary)).toEqual([
      { seq: s, chan: id, flags: FRAG_REQ, opcode: Opcode.CHANNEL_READ, length: 512 },
      { seq: s + 1, chan: id, flags: FRAG_REQ, opcode: Opcode.CHANNEL_READ, length: 88 },
      { seq: s + 2, chan: id, flags: Flag.NAK, opcode: Opcode.CHANNEL_READ, length: 2 },
    ]);
    expect(statusOf(got[2]!)).toBe(Status.FAILED);
  });

  it('a read request shorter than 8 bytes reads its missing fields from what follows it in the buffer', () => {
    const { device, host } = rig();
    const calls: [number, number][] = [];
    const id = device.registerDynamic(readChannel(bytes(64), Infinity, calls));
    // 4 payload bytes (offset 8); the "length" field is then the packet's own CRC-32 trailer.
    const wire = host.encode({ seq: 0, chan: id, flags: 0, opcode: Opcode.CHANNEL_READ, payload: Uint8Array.of(8, 0, 0, 0) });
    host.push(wire);
    device.poll();
    const trailer = new DataView(wire.buffer, wire.byteOffset + 14, 4).getUint32(0, true);
    expect(calls[0]).toEqual([8, Math.min(512, trailer)]);
  });
});
