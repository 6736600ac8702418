import { describe, expect, it } from 'vitest';
import { Flag, Opcode, payloads, SysEvent, type Packet } from '../../../../protocol/v2/index.js';
import { RxState } from '../../../../host/sim/firmware/protocol/index.js';
import { bytes, CAPS, READ, readChannel, readpChannel, rig, statusOf, summary } from './fake-host.js';

const EMPTY = new Uint8Array(0);
const syncPacket = { seq: 200, chan: 0, flags: 0, opcode: Opcode.PROTO_SYNC, payload: EMPTY };

describe('stop-and-wait retransmission', () => {
  it('resends a reply whose ACK did not come after 500 ms, with RTX set and the header CRC redone', () => {
    const { device, host, call } = rig();
    let answered = 0;
    host.ackPolicy = () => (answered++ === 0 ? 'none' : 'ack');
    const got = call(Opcode.PROTO_GET_CAPS);
    expect(got.map(summary)).toEqual([
      { seq: 0, chan: 0, flags: Flag.ACK_REQ, opcode: Opcode.PROTO_GET_CAPS, length: 16 },
      { seq: 0, chan: 0, flags: Flag.ACK_REQ | Flag.RTX, opcode: Opcode.PROTO_GET_CAPS, length: 16 },
    ]);
    expect(got[1]!.payload).toEqual(got[0]!.payload);
    // The host's decoder checks header CRCs: both passed, and they differ because the flags do.
    expect(host.wire[1]!.subarray(8, 10)).not.toEqual(host.wire[0]!.subarray(8, 10));
    expect(host.sentAt[1]! - host.sentAt[0]!).toBe(501); // "(now - start) > 500"
    expect(device.stats.retransmit).toBe(1);
    expect(device.sequence).toBe(1); // one packet, however often it was sent
  });

  it('doubles the timeout after each retry and resets the protocol after the third', () => {
    const { device, host, call } = rig();
    call(Opcode.PROTO_SET_CAPS, 0, CAPS({ maxPayload: 100 }));
    call(Opcode.PROTO_VERSION);
    host.ackPolicy = () => 'none';
    const t0 = host.clock;
    const got = call(Opcode.PROTO_GET_CAPS);
    expect(got.map((p) => [p.seq, p.flags])).toEqual([
      [2, Flag.ACK_REQ],
      [2, Flag.ACK_REQ | Flag.RTX],
      [2, Flag.ACK_REQ | Flag.RTX],
      [2, Flag.ACK_REQ | Flag.RTX],
    ]);
    expect(host.sentAt.slice(-4).map((t) => t - t0)).toEqual([0, 501, 1502, 3503]);
    expect(host.clock - t0).toBe(7504);
    expect(device.stats.retransmit).toBe(3);
    expect(device.sequence).toBe(0);
    expect(device.config.maxPayload).toBe(4082); // the init config is back
    expect(device.state).toBe(RxState.SYNC);
  });

  it('after a NAK it resends at once, and since the failure status is not cleared it burns all retries without waiting', () => {
    const { device, host, call } = rig();
    let answered = 0;
    host.ackPolicy = () => (answered++ === 0 ? 'nak' : 'none');
    const t0 = host.clock;
    const got = call(Opcode.PROTO_GET_CAPS);
    expect(got.map((p) => p.flags)).toEqual([Flag.ACK_REQ, Flag.ACK_REQ | Flag.RTX, Flag.ACK_REQ | Flag.RTX, Flag.ACK_REQ | Flag.RTX]);
    expect(host.clock).toBe(t0);
    expect(host.waits).toEqual([]);
    expect(device.sequence).toBe(0); // reset
  });

  it('a NAK answered by an ACK to the resend costs one retransmission', () => {
    const { device, host, call } = rig();
    let answered = 0;
    host.ackPolicy = () => (answered++ === 0 ? 'nak' : 'ack');
    expect(call(Opcode.PROTO_GET_CAPS).map((p) => p.flags)).toEqual([Flag.ACK_REQ, Flag.ACK_REQ | Flag.RTX]);
    expect(device.stats.retransmit).toBe(1);
    expect(device.sequence).toBe(1);
    // The NAK's payload left behind and the ACK found behind it are skipped afterwards: the link still works.
    expect(payloads.version.decode(call(Opcode.PROTO_VERSION)[0]!.payload).protocol).toEqual([1, 0, 2]);
  });

  it('with CRCs off a resend is never marked RTX', () => {
    const { host, call } = rig();
    call(Opcode.PROTO_SET_CAPS, 0, CAPS({ crc: false }));
    host.setDecoderCrc(false);
    let answered = 0;
    host.ackPolicy = () => (answered++ === 0 ? 'none' : 'ack');
    expect(call(Opcode.PROTO_GET_CAPS).map((p) => p.flags)).toEqual([Flag.ACK_REQ, Flag.ACK_REQ]);
  });

  it('with ACKs off nothing asks for an ACK and nothing waits', () => {
    const { device, host, call } = rig();
    expect(statusOf(call(Opcode.PROTO_SET_CAPS, 0, CAPS({ ack: false }))[0]!)).toBe('ACK');
    host.ackPolicy = () => 'none';
    const id = device.registerDynamic(readpChannel(bytes(5000)));
    const got = call(Opcode.CHANNEL_READ, id, READ(0, 5000));
    expect(got.map((p) => p.flags)).toEqual([Flag.FRAGMENT, 0]);
    expect(device.sendEvent(id, 7, true)).toBe(true);
    expect(host.packets.at(-1)!.flags).toBe(Flag.EVENT);
    expect(host.waits).toEqual([]);
  });
});

describe('PROTO_SYNC and partial packets', () => {
  it('a PROTO_SYNC while waiting for an ACK resets the link and abandons the reply', () => {
    const { device, host, call } = rig();
    call(Opcode.PROTO_VERSION);
    host.ackPolicy = (p) => (p.opcode === Opcode.PROTO_GET_CAPS ? 'none' : 'ack');
    host.onPacket = (p) => {
      if (p.opcode === Opcode.PROTO_GET_CAPS) host.push(host.encode(syncPacket));
    };
    const got = call(Opcode.PROTO_GET_CAPS);
    expect(got.map(summary)).toEqual([
      { seq: 1, chan: 0, flags: Flag.ACK_REQ, opcode: Opcode.PROTO_GET_CAPS, length: 16 },
      { seq: 0, chan: 0, flags: Flag.ACK, opcode: Opcode.PROTO_SYNC, length: 0 },
    ]);
    expect(device.sequence).toBe(0);
    expect(device.stats.retransmit).toBe(0);
  });

  it('a SYNC during a readp reply ends it, but the read() loop carries on with its next chunks', () => {
    const onFirst = (host: ReturnType<typeof rig>['host']) => {
      let first = true;
      host.ackPolicy = (p) => (p.opcode === Opcode.CHANNEL_READ && first ? 'none' : 'ack');
      host.onPacket = (p) => {
        if (p.opcode === Opcode.CHANNEL_READ && first) {
          first = false;
          host.push(host.encode(syncPacket));
        }
      };
    };
    const a = rig();
    const pid = a.device.registerDynamic(readpChannel(bytes(9000)));
    onFirst(a.host);
    expect(a.call(Opcode.CHANNEL_READ, pid, READ(0, 9000)).map((p) => [p.opcode, p.seq, p.payload.length])).toEqual([
      [Opcode.CHANNEL_READ, 0, 4082],
      [Opcode.PROTO_SYNC, 0, 0],
    ]);
    const b = rig();
    const rid = b.device.registerDynamic(readChannel(bytes(1300)));
    onFirst(b.host);
    expect(b.call(Opcode.CHANNEL_READ, rid, READ(0, 1300)).map((p) => [p.opcode, p.seq, p.payload.length])).toEqual([
      [Opcode.CHANNEL_READ, 0, 512],
      [Opcode.PROTO_SYNC, 0, 0],
      [Opcode.CHANNEL_READ, 0, 512],
      [Opcode.CHANNEL_READ, 1, 276],
    ]);
  });

  it('waits for the rest of an incomplete packet', () => {
    const { device, host } = rig();
    const wire = host.encode({ seq: 0, chan: 0, flags: 0, opcode: Opcode.PROTO_SET_CAPS, payload: CAPS({ maxPayload: 77 }) });
    host.push(wire.subarray(0, 17));
    device.poll();
    expect(host.packets).toEqual([]);
    expect(device.state).toBe(RxState.PAYLOAD);
    host.push(wire.subarray(17));
    device.poll();
    expect(statusOf(host.packets[0]!)).toBe('ACK');
    expect(device.config.maxPayload).toBe(77);
  });

  it('SYNC recovery: a complete PROTO_SYNC behind an incomplete packet is answered, and the fragment dropped', () => {
    const { device, host } = rig();
    const write = payloads.writeRequest.encode({ offset: 0, data: bytes(92) });
    const wire = host.encode({ seq: 0, chan: 1, flags: 0, opcode: Opcode.CHANNEL_WRITE, payload: write });
    host.push(wire.subarray(0, 20)); // 20 of 114 bytes
    host.push(host.encode(syncPacket));
    device.poll();
    expect(host.packets.map((p: Packet) => [p.opcode, p.flags])).toEqual([[Opcode.PROTO_SYNC, Flag.ACK]]);
    host.push(wire.subarray(20));
    device.poll();
    expect(host.packets).toHaveLength(1); // the write (to a channel that does not exist) was never answered
    expect(device.state).toBe(RxState.SYNC);
  });
});

describe('events', () => {
  it('carry the EVENT flag and the current sequence number without advancing it; NOTIFY has no payload', () => {
    const { device, host, call } = rig();
    call(Opcode.PROTO_VERSION);
    expect(device.sendEvent(2, SysEvent.NOTIFY, false)).toBe(true);
    expect(device.sendEvent(0, SysEvent.SOFT_REBOOT, false)).toBe(true);
    const [notify, reboot] = host.packets.slice(-2);
    expect(summary(notify!)).toEqual({ seq: 1, chan: 2, flags: Flag.EVENT, opcode: Opcode.CHANNEL_EVENT, length: 0 });
    expect(summary(reboot!)).toEqual({ seq: 1, chan: 0, flags: Flag.EVENT, opcode: Opcode.SYS_EVENT, length: 2 });
    expect(payloads.event.decode(reboot!.payload)).toBe(SysEvent.SOFT_REBOOT);
    expect(device.sequence).toBe(1);
    expect(device.stats.sentEvents).toBe(2);
  });

  it('one sent with waitAck asks for an ACK and waits for it; unanswered, it fails and resets the link', () => {
    const { device, host, call } = rig();
    call(Opcode.PROTO_VERSION);
    expect(device.sendEvent(5, 0x1234, true)).toBe(true);
    expect(host.packets.at(-1)!.flags).toBe(Flag.EVENT | Flag.ACK_REQ);
    expect(device.sequence).toBe(1);
    host.ackPolicy = () => 'none';
    expect(device.sendEvent(5, 0x1234, true)).toBe(false);
    expect(host.packets.slice(-4).every((p) => p.seq === 1 && p.opcode === Opcode.CHANNEL_EVENT)).toBe(true);
    expect(device.sequence).toBe(0);
  });

  it('CHANNEL_REGISTERED never asks for an ACK, even with ACKs on: a host that ACKs nothing costs a registration nothing', () => {
    // omv_protocol.c:234 sends it with wait_ack false; :329 makes the flags EVENT alone, and :356 adds ACK_REQ
    // only to packets without a NO_ACK flag, which EVENT is (omv_protocol.h:106).
    const { device, host } = rig();
    host.ackPolicy = () => 'none';
    expect(device.config.ack).toBe(true);
    const id = device.registerDynamic(readpChannel(bytes(8)));
    expect(id).toBeGreaterThan(0);
    expect(summary(host.packets.at(-1)!)).toEqual({ seq: 0, chan: 0, flags: Flag.EVENT, opcode: Opcode.SYS_EVENT, length: 2 });
    expect(payloads.event.decode(host.packets.at(-1)!.payload)).toBe(SysEvent.CHANNEL_REGISTERED);
    expect([host.packets.length, host.waits.length, device.stats.retransmit]).toEqual([1, 0, 0]);
  });

  it('an event a script sends with wait_ack is resent after 500, 1000, 2000 ms and given up after 4000 more: 7.5 s', () => {
    const { device, host } = rig();
    host.ackPolicy = () => 'none';
    const start = host.clock;
    expect(device.sendEvent(5, 7, true)).toBe(false);
    const sends = host.sentAt.map((t) => t - start);
    // each wait ends when the u32 (now - start) > timeout check first holds: one millisecond past it
    expect(sends).toEqual([0, 501, 1502, 3503]);
    expect(host.packets.map((p) => p.flags)).toEqual([Flag.EVENT | Flag.ACK_REQ, ...new Array(3).fill(Flag.EVENT | Flag.ACK_REQ | Flag.RTX)]);
    expect(host.clock - start).toBeGreaterThanOrEqual(7500);
    expect(device.stats.retransmit).toBe(3);
  });

  it('are not sent once the host turned them off', () => {
    const { device, host, call } = rig();
    call(Opcode.PROTO_SET_CAPS, 0, CAPS({ events: false }));
    const before = host.packets.length;
    expect(device.sendEvent(2, SysEvent.NOTIFY, false)).toBe(false);
    expect(host.packets.length).toBe(before);
    expect(device.stats.sentEvents).toBe(0);
  });
});
