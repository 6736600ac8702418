import { describe, expect, it } from 'vitest';
import { ChannelFlag, encodePacket, Flag, Opcode, payloads, Status, StreamIoctl, SysEvent } from '../../../../protocol/v2/index.js';
import { H7_IDENTITY, ProtocolDevice } from '../../../../host/sim/firmware/protocol/index.js';
import { bytes, CAPS, FakeHost, only, rig, statusOf, summary, withBuiltins } from './fake-host.js';

const EMPTY = new Uint8Array(0);

describe('ProtocolDevice: sync, caps, identity', () => {
  it('answers PROTO_SYNC whatever its sequence number with an ACK numbered 0, and expects 0 next', () => {
    const { device, call } = rig();
    call(Opcode.PROTO_GET_CAPS);
    call(Opcode.PROTO_VERSION);
    expect(device.sequence).toBe(2);
    const ack = only(call(Opcode.PROTO_SYNC, 0, EMPTY, 77));
    expect(summary(ack)).toEqual({ seq: 0, chan: 0, flags: Flag.ACK, opcode: Opcode.PROTO_SYNC, length: 0 });
    expect(device.sequence).toBe(0);
  });

  it('GET_CAPS returns the defaults with ACK_REQ set, and the sequence advances once the host ACKs', () => {
    const { device, call } = rig();
    const reply = only(call(Opcode.PROTO_GET_CAPS));
    expect(summary(reply)).toEqual({ seq: 0, chan: 0, flags: Flag.ACK_REQ, opcode: Opcode.PROTO_GET_CAPS, length: 16 });
    expect(payloads.caps.decode(reply.payload)).toEqual({ crc: true, seq: true, ack: true, events: true, maxPayload: 4082 });
    expect(device.sequence).toBe(1);
    expect(device.state).toBe(0); // SYNC, not waiting for an ACK
  });

  it('a smaller build buffer lowers the default max payload (the H7 builds with 512: 498)', () => {
    const { call } = rig({ bufferSize: 512 });
    expect(payloads.caps.decode(only(call(Opcode.PROTO_GET_CAPS)).payload).maxPayload).toBe(498);
    expect(statusOf(only(call(Opcode.PROTO_SET_CAPS, 0, CAPS({ maxPayload: 499 }))))).toBe(Status.INVALID);
  });

  it('SET_CAPS validates length and max payload, ACKs under the old caps, then applies the new ones', () => {
    const { device, host, call } = rig();
    expect(statusOf(only(call(Opcode.PROTO_SET_CAPS, 0, CAPS({ maxPayload: 49 }))))).toBe(Status.INVALID);
    expect(statusOf(only(call(Opcode.PROTO_SET_CAPS, 0, CAPS({ maxPayload: 4083 }))))).toBe(Status.INVALID);
    expect(statusOf(only(call(Opcode.PROTO_SET_CAPS, 0, CAPS().subarray(0, 15))))).toBe(Status.INVALID);
    // The ACK still carries CRCs: the host's decoder, which checks them, accepted it.
    const ack = only(call(Opcode.PROTO_SET_CAPS, 0, CAPS({ crc: false, events: false, maxPayload: 50 })));
    expect(statusOf(ack)).toBe('ACK');
    expect(device.config).toMatchObject({ crc: false, seq: true, ack: true, events: false, maxPayload: 50 });
    host.setDecoderCrc(false);
    const caps = only(call(Opcode.PROTO_GET_CAPS)); // sent by the host with zero CRCs: accepted
    expect(payloads.caps.decode(caps.payload)).toEqual({ crc: false, seq: true, ack: true, events: false, maxPayload: 50 });
    const wire = host.wire.at(-1) as Uint8Array;
    expect([wire[8], wire[9]]).toEqual([0, 0]); // no header CRC
    expect(Array.from(wire.subarray(-4))).toEqual([0, 0, 0, 0]); // nor payload CRC
  });

  it('PROTO_SYNC restores the caps the device was initialised with', () => {
    const { device, host, call } = rig({ maxPayload: 1000 });
    call(Opcode.PROTO_SET_CAPS, 0, CAPS({ seq: false, maxPayload: 200 }));
    expect(device.config.maxPayload).toBe(200);
    host.push(encodePacket({ seq: 9, chan: 0, flags: 0, opcode: Opcode.PROTO_SYNC, payload: EMPTY }));
    device.poll();
    expect(device.config).toMatchObject({ seq: true, maxPayload: 1000 });
  });

  it('VERSION, SYS_INFO and SYS_MEMORY report the identity through the host-side codecs', () => {
    const { call } = rig();
    expect(payloads.version.decode(only(call(Opcode.PROTO_VERSION)).payload)).toEqual({ protocol: [1, 0, 2], bootloader: [1, 2, 0], firmware: [5, 0, 0] });
    const info = payloads.sysInfo.decode(only(call(Opcode.SYS_INFO)).payload);
    expect(info).toMatchObject({ cpuId: 0x411fc271, usbVid: 0x37c5, usbPid: 0x1204, devId: H7_IDENTITY.devId, chipId: [0x56, 0, 0] });
    expect(info.features).toEqual(['JPEG', 'CRC', 'SD']);
    expect([info.flashSizeKb, info.ramSizeKb, info.streamBufferSizeKb]).toEqual([0, 0, 32]);
    const pools = payloads.memoryStats.decode(only(call(Opcode.SYS_MEMORY)).payload);
    expect(pools.map((p) => p.type)).toEqual([0, 1]); // GC heap first, then the UMA pool
    for (const p of pools) expect(p.used + p.free).toBe(p.total);
  });

  it('PROTO_STATS counts processed requests and sent packets (its own reply not yet)', () => {
    const { call } = rig();
    call(Opcode.PROTO_SYNC);
    call(Opcode.PROTO_GET_CAPS);
    const stats = payloads.stats.decode(only(call(Opcode.PROTO_STATS)).payload);
    expect(stats).toMatchObject({ recvPackets: 3, sentPackets: 2, checksumErrors: 0, sequenceErrors: 0 });
  });

  it('SYS_RESET and SYS_BOOT are not answered; they reach the reset handler', () => {
    const { device, call } = rig();
    const resets: boolean[] = [];
    device.onSystemReset = (boot) => resets.push(boot);
    expect(call(Opcode.SYS_RESET)).toEqual([]);
    expect(call(Opcode.SYS_BOOT)).toEqual([]);
    expect(resets).toEqual([false, true]);
  });
});

describe('ProtocolDevice: channels', () => {
  it('CHANNEL_LIST: usb, the built-ins, and a dynamic channel whose name is cut to 13 bytes', () => {
    const r = rig();
    withBuiltins(r);
    const from = r.host.packets.length;
    const id = r.device.registerDynamic({ name: 'a_very_long_channel', flags: 0, read: () => null });
    expect(id).toBe(4);
    const event = only(r.host.since(from)); // CHANNEL_REGISTERED, which does not name the channel
    expect(summary(event)).toEqual({ seq: r.device.sequence, chan: 0, flags: Flag.EVENT, opcode: Opcode.SYS_EVENT, length: 2 });
    expect(payloads.event.decode(event.payload)).toBe(SysEvent.CHANNEL_REGISTERED);
    const list = payloads.channelList.decode(only(r.call(Opcode.CHANNEL_LIST)).payload);
    expect(list).toEqual([
      { id: 0, flags: ChannelFlag.PHYSICAL, name: 'usb' },
      { id: 1, flags: ChannelFlag.WRITE | ChannelFlag.EXEC, name: 'stdin' },
      { id: 2, flags: ChannelFlag.READ, name: 'stdout' },
      { id: 3, flags: ChannelFlag.READ | ChannelFlag.LOCK | ChannelFlag.STREAM, name: 'stream' },
      { id: 4, flags: ChannelFlag.DYNAMIC | ChannelFlag.READ, name: 'a_very_long_c' },
    ]);
  });

  it('a static channel at an id past the registration count stays invisible (find_channel checks the count)', () => {
    const { device, call } = rig();
    device.registerStatic(9, { name: 'late', flags: ChannelFlag.READ, size: () => 5 });
    expect(statusOf(only(call(Opcode.CHANNEL_SIZE, 9)))).toBe(Status.INVALID);
    expect(payloads.channelList.decode(only(call(Opcode.CHANNEL_LIST)).payload).map((e) => e.name)).toEqual(['usb']);
  });

  it('CHANNEL_POLL sets bit n for each channel whose poll() is true', () => {
    const r = rig();
    const { stdin, stdout } = withBuiltins(r);
    expect(payloads.pollMask.decode(only(r.call(Opcode.CHANNEL_POLL)).payload)).toEqual([]);
    stdout.print(bytes(3));
    stdin.setScriptRunning(true);
    expect(payloads.pollMask.decode(only(r.call(Opcode.CHANNEL_POLL)).payload)).toEqual([1, 2]);
  });

  it('CHANNEL_SIZE and CHANNEL_SHAPE send u32 words; channels without them are INVALID', () => {
    const r = rig();
    withBuiltins(r);
    const id = r.device.registerDynamic({ name: 'm', flags: 0, size: () => 0x1_0000_0005, shape: () => [640, 480, 2, 7, 9] });
    expect(payloads.channelSize.decode(only(r.call(Opcode.CHANNEL_SIZE, id)).payload)).toBe(5); // size_t is 32 bits
    expect(payloads.shape.decode(only(r.call(Opcode.CHANNEL_SHAPE, id)).payload)).toEqual([640, 480, 2, 7]);
    expect(statusOf(only(r.call(Opcode.CHANNEL_SIZE, 1)))).toBe(Status.INVALID); // stdin has no size()
    expect(statusOf(only(r.call(Opcode.CHANNEL_SHAPE, 2)))).toBe(Status.INVALID);
  });

  it('WRITE: ACK when write() returns nonzero, FAILED on 0, INVALID without write() or data', () => {
    const r = rig();
    const { stdin } = withBuiltins(r);
    const results = [7, 0, -1];
    const id = r.device.registerDynamic({ name: 'w', flags: 0, write: () => results.shift() ?? 0 });
    const write = (offset: number, data: Uint8Array): Uint8Array => payloads.writeRequest.encode({ offset, data });
    expect(statusOf(only(r.call(Opcode.CHANNEL_WRITE, id, write(0, bytes(4)))))).toBe('ACK');
    expect(statusOf(only(r.call(Opcode.CHANNEL_WRITE, id, write(0, bytes(4)))))).toBe(Status.FAILED);
    expect(statusOf(only(r.call(Opcode.CHANNEL_WRITE, id, write(0, bytes(4)))))).toBe('ACK'); // -1 is nonzero
    expect(statusOf(only(r.call(Opcode.CHANNEL_WRITE, 1, write(0, EMPTY))))).toBe(Status.INVALID);
    expect(statusOf(only(r.call(Opcode.CHANNEL_WRITE, 2, write(0, bytes(4)))))).toBe(Status.INVALID); // stdout
    expect(stdin.scriptLength).toBe(0);
  });

  it('channel 0 is the USB transport itself: a CHANNEL_WRITE to it puts raw bytes on the wire', () => {
    const { host, call } = rig();
    const raw = new TextEncoder().encode('raw!');
    const from = host.wire.length;
    expect(statusOf(only(call(Opcode.CHANNEL_WRITE, 0, payloads.writeRequest.encode({ offset: 0, data: raw }))))).toBe('ACK');
    expect(host.wire[from]).toEqual(raw);
    expect(statusOf(only(call(Opcode.CHANNEL_LOCK, 0)))).toBe(Status.BUSY); // no lock()
  });

  it('IOCTL argument sizes are checked against the table for static channels only', () => {
    const r = rig();
    withBuiltins(r);
    const seen: [number, number[] | null][] = [];
    const id = r.device.registerDynamic({ name: 'd', flags: 0, ioctl: (req, arg) => (seen.push([req, arg && Array.from(arg)]), req === 66 ? 1 : 0) });
    const ioctl = (request: number, args: Uint8Array): Uint8Array => payloads.ioctlRequest.encode({ request, args });
    expect(statusOf(only(r.call(Opcode.CHANNEL_IOCTL, 3, ioctl(StreamIoctl.CTRL, EMPTY))))).toBe(Status.INVALID);
    expect(statusOf(only(r.call(Opcode.CHANNEL_IOCTL, 3, ioctl(StreamIoctl.CTRL, bytes(3)))))).toBe(Status.INVALID);
    expect(statusOf(only(r.call(Opcode.CHANNEL_IOCTL, 3, ioctl(StreamIoctl.CTRL, bytes(4)))))).toBe('ACK');
    expect(statusOf(only(r.call(Opcode.CHANNEL_IOCTL, 3, ioctl(9, bytes(4)))))).toBe(Status.INVALID); // not in the table
    expect(statusOf(only(r.call(Opcode.CHANNEL_IOCTL, id, ioctl(9, bytes(3)))))).toBe('ACK');
    expect(statusOf(only(r.call(Opcode.CHANNEL_IOCTL, id, ioctl(5, EMPTY))))).toBe('ACK');
    expect(statusOf(only(r.call(Opcode.CHANNEL_IOCTL, id, ioctl(66, EMPTY))))).toBe(Status.FAILED);
    expect(seen).toEqual([[9, Array.from(bytes(3))], [5, null], [66, null]]);
    expect(statusOf(only(r.call(Opcode.CHANNEL_IOCTL, 2, ioctl(0, bytes(4)))))).toBe(Status.INVALID); // no ioctl()
  });
});

describe('ProtocolDevice: refusals', () => {
  it('NAKs advance the sequence number too', () => {
    const { device, call } = rig();
    const nak = only(call(Opcode.CHANNEL_SIZE, 9));
    expect(summary(nak)).toEqual({ seq: 0, chan: 9, flags: Flag.NAK, opcode: Opcode.CHANNEL_SIZE, length: 2 });
    expect(statusOf(nak)).toBe(Status.INVALID);
    expect(device.sequence).toBe(1);
  });

  it('system opcodes only on channel 0; unknown opcodes and host events are INVALID', () => {
    const { device, call } = rig();
    call(Opcode.PROTO_GET_CAPS);
    expect(statusOf(only(call(Opcode.SYS_INFO, 1)))).toBe(Status.INVALID);
    expect(statusOf(only(call(Opcode.PROTO_SYNC, 1)))).toBe(Status.INVALID);
    expect(device.sequence).toBe(3); // that SYNC on channel 1 reset nothing
    expect(statusOf(only(call(0x7f, 0)))).toBe(Status.INVALID);
    expect(statusOf(only(call(0x7f, 2)))).toBe(Status.INVALID);
    // Events are exempt from the sequence check, but the device has no handler for them.
    expect(statusOf(only(call(Opcode.SYS_EVENT, 0, payloads.event.encode(1), 200)))).toBe(Status.INVALID);
  });

  it('a wrong sequence number is NAKed SEQUENCE and counted; a stray ACK with any number is ignored', () => {
    const { device, host, call } = rig();
    const nak = only(call(Opcode.PROTO_GET_CAPS, 0, EMPTY, 5));
    expect([nak.seq, statusOf(nak)]).toEqual([0, Status.SEQUENCE]);
    expect(device.stats.sequenceErrors).toBe(1);
    host.push(host.encode({ seq: 99, chan: 0, flags: Flag.ACK, opcode: Opcode.PROTO_VERSION, payload: EMPTY }));
    device.poll();
    expect(only(call(Opcode.PROTO_VERSION)).seq).toBe(1);
  });

  it('a payload CRC error is NAKed CHECKSUM and counted', () => {
    const { device, host } = rig();
    const wire = host.encode({ seq: 0, chan: 0, flags: 0, opcode: Opcode.PROTO_SET_CAPS, payload: CAPS({ maxPayload: 100 }) });
    wire[12] = (wire[12] as number) ^ 0xff;
    host.push(wire);
    device.poll();
    expect(statusOf(only(host.packets))).toBe(Status.CHECKSUM);
    expect(device.stats.checksumErrors).toBe(1);
    expect(device.config.maxPayload).toBe(4082);
  });

  it('a length over max payload is NAKed OVERFLOW at the header; the device drops one byte and resyncs', () => {
    const { device, host, call } = rig();
    call(Opcode.PROTO_SET_CAPS, 0, CAPS({ maxPayload: 64 }));
    const s = device.sequence;
    host.push(host.encode({ seq: s, chan: 1, flags: 0, opcode: Opcode.CHANNEL_WRITE, payload: bytes(100) }));
    host.push(host.encode({ seq: s + 1, chan: 0, flags: 0, opcode: Opcode.PROTO_VERSION, payload: EMPTY }));
    const from = host.packets.length;
    device.poll();
    const [nak, version, ...rest] = host.since(from);
    expect(rest).toEqual([]);
    expect([nak?.seq, nak && statusOf(nak)]).toEqual([s, Status.OVERFLOW]);
    expect([version?.seq, version?.opcode]).toEqual([s + 1, Opcode.PROTO_VERSION]);
  });

  it('a header with a bad CRC is dropped silently, one byte at a time, so a packet inside it is still found', () => {
    const { host, device } = rig();
    const good = host.encode({ seq: 0, chan: 0, flags: 0, opcode: Opcode.PROTO_GET_CAPS, payload: EMPTY });
    host.push(Uint8Array.of(0xaa, 0xd5, 1, 2, 3, 4, 5, 6, 7, 8)); // a header whose CRC fails
    host.push(Uint8Array.of(0xaa, 0xd5)); // the next candidate's header swallows the good packet's first 8 bytes
    host.push(good);
    device.poll();
    expect(only(host.packets).opcode).toBe(Opcode.PROTO_GET_CAPS);
    expect(device.stats.checksumErrors).toBe(0); // header rejections are not counted
  });

  it('does nothing while the transport is inactive', () => {
    const host = new FakeHost();
    const device = new ProtocolDevice(host);
    host.active = false;
    host.push(host.encode({ seq: 0, chan: 0, flags: 0, opcode: Opcode.PROTO_GET_CAPS, payload: EMPTY }));
    device.poll();
    expect(device.sendEvent(2, SysEvent.NOTIFY, false)).toBe(false);
    expect(host.packets).toEqual([]);
    host.active = true;
    device.poll();
    expect(only(host.packets).opcode).toBe(Opcode.PROTO_GET_CAPS);
  });
});
