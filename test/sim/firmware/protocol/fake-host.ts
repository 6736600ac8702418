import { encodePacket, Flag, Opcode, PacketDecoder, payloads, type Packet } from '../../../../protocol/v2/index.js';
import {
  ProtocolDevice,
  StdinChannel,
  StdoutChannel,
  StreamChannel,
  type DeviceChannel,
  type DeviceTransport,
  type ProtocolConfig,
  type StdinHooks,
  type StreamChannelOptions,
} from '../../../../host/sim/firmware/protocol/index.js';

/** What the fake host does with a device packet that carries ACK_REQ. */
export type AckAction = 'ack' | 'nak' | 'none';

/**
 * A synchronous fake of the host end of the wire and of the device's clock. The device's bytes are decoded with
 * the host-side PacketDecoder; packets with ACK_REQ are answered at once (inside send(), i.e. before the device
 * polls again) as `ackPolicy` says. waitForData() advances the fake clock by the whole wait unless bytes are queued.
 */
export class FakeHost implements DeviceTransport {
  clock = 1000;
  active = true;
  crc = true;
  readonly packets: Packet[] = [];
  /** Every send() of the device, as bytes. */
  readonly wire: Uint8Array[] = [];
  readonly waits: number[] = [];
  /** The clock at each packet the device sent, parallel to `packets`. */
  readonly sentAt: number[] = [];
  ackPolicy: (p: Packet) => AckAction = () => 'ack';
  /** Runs after each device packet is decoded (after any ACK was queued): lets a test inject bytes mid-send. */
  onPacket: ((p: Packet) => void) | null = null;
  private inbound: Uint8Array[] = [];
  private readonly decoder = new PacketDecoder({ maxPayload: 0xffff });

  receive(): Uint8Array | null {
    if (this.inbound.length === 0) return null;
    const all = new Uint8Array(Buffer.concat(this.inbound));
    this.inbound = [];
    return all;
  }

  waitForData(ms: number): void {
    this.waits.push(ms);
    if (this.inbound.length === 0) this.clock += ms;
  }

  send(bytes: Uint8Array): void {
    this.wire.push(bytes.slice());
    this.decoder.push(bytes, (p) => {
      this.packets.push(p);
      this.sentAt.push(this.clock);
      if (p.flags & Flag.ACK_REQ) {
        const action = this.ackPolicy(p);
        if (action === 'ack') this.push(this.encode({ seq: p.seq, chan: p.chan, flags: Flag.ACK, opcode: p.opcode, payload: new Uint8Array(0) }));
        if (action === 'nak') this.push(this.encode({ seq: p.seq, chan: p.chan, flags: Flag.NAK, opcode: p.opcode, payload: payloads.nakStatus.encode(1) }));
      }
      this.onPacket?.(p);
    });
  }

  now(): number {
    return this.clock;
  }

  isActive(): boolean {
    return this.active;
  }

  /** Queues raw bytes for the device. */
  push(bytes: Uint8Array): void {
    this.inbound.push(bytes.slice());
  }

  encode(p: Packet): Uint8Array {
    return encodePacket(p, { crc: this.crc });
  }

  /** Device packets from index `from` on. */
  since(from: number): Packet[] {
    return this.packets.slice(from);
  }

  setDecoderCrc(on: boolean): void {
    this.crc = on;
    this.decoder.setCrc(on);
  }
}

export interface Rig {
  host: FakeHost;
  device: ProtocolDevice;
  /** Sends a request carrying the device's expected sequence number (or `seq`), polls once, returns what came back. */
  call(opcode: number, chan?: number, payload?: Uint8Array, seq?: number): Packet[];
}

export function rig(config: Partial<ProtocolConfig> = {}): Rig {
  const host = new FakeHost();
  const device = new ProtocolDevice(host, config);
  const call = (opcode: number, chan = 0, payload = new Uint8Array(0), seq = device.sequence): Packet[] => {
    const from = host.packets.length;
    host.push(host.encode({ seq, chan, flags: 0, opcode, payload }));
    device.poll();
    return host.since(from);
  };
  return { host, device, call };
}

/** The one packet in `packets`, failing otherwise. */
export function only(packets: Packet[]): Packet {
  if (packets.length !== 1) throw new Error(`expected exactly one packet, got ${packets.length}: ${JSON.stringify(packets.map(summary))}`);
  return packets[0] as Packet;
}

export function summary(p: Packet): { seq: number; chan: number; flags: number; opcode: number; length: number } {
  return { seq: p.seq, chan: p.chan, flags: p.flags, opcode: p.opcode, length: p.payload.length };
}

/** The NAK status of a packet, or 'ACK' for a plain ACK. */
export function statusOf(p: Packet): number | 'ACK' {
  if (p.flags & Flag.ACK) return 'ACK';
  if (!(p.flags & Flag.NAK)) throw new Error(`packet ${JSON.stringify(summary(p))} is neither ACK nor NAK`);
  return payloads.nakStatus.decode(p.payload);
}

export const bytes = (n: number, seed = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

/** A channel with readp over `data`, as a script's protocol.register would make one. */
export function readpChannel(data: Uint8Array, name = 'blob'): DeviceChannel {
  return {
    name,
    flags: 0,
    size: () => data.length,
    readp: (offset, size) => (offset + size > data.length ? null : data.subarray(offset, offset + size)),
  };
}

/** A channel with read() over `data` that returns at most `cap` bytes per call (and logs each call). */
export function readChannel(data: Uint8Array, cap = Infinity, calls: [number, number][] = []): DeviceChannel {
  return {
    name: 'log',
    flags: 0,
    read: (offset, size) => {
      calls.push([offset, size]);
      return data.subarray(offset, Math.min(data.length, offset + Math.min(size, cap)));
    },
  };
}

export const READ = (offset: number, length: number): Uint8Array => payloads.readRequest.encode({ offset, length });
/** A SET_CAPS payload; any u16 max payload, even one the host codec refuses to encode. */
export function CAPS(c: Partial<payloads.Caps> = {}): Uint8Array {
  const maxPayload = c.maxPayload ?? 4082;
  const out = payloads.caps.encode({ crc: true, seq: true, ack: true, events: true, ...c, maxPayload: 50 });
  out[4] = maxPayload & 0xff;
  out[5] = maxPayload >>> 8;
  return out;
}
export { Opcode };

/** Registers stdin (1), stdout (2) and stream (3) as omv_protocol_init_default does. */
export function withBuiltins(r: Rig, hooks: Partial<StdinHooks> = {}, stream: StreamChannelOptions = { enabled: true }) {
  const channels = {
    stdin: new StdinChannel(r.device, { onStop: hooks.onStop ?? (() => undefined), onExec: hooks.onExec ?? (() => undefined) }),
    stdout: new StdoutChannel(r.device),
    stream: new StreamChannel(r.device, stream),
  };
  r.device.registerStatic(1, channels.stdin);
  r.device.registerStatic(2, channels.stdout);
  r.device.registerStatic(3, channels.stream);
  return channels;
}
