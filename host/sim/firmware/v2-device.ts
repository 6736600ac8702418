import {
  ChannelFlag,
  DEFAULT_MAX_PAYLOAD,
  DEFAULT_RTX_RETRIES,
  DEFAULT_RTX_TIMEOUT_MS,
  Flag,
  HEADER_SIZE,
  IOCTL_ARG_SIZES,
  MIN_LOCK_INTERVAL_MS,
  MIN_MAX_PAYLOAD,
  NO_ACK_FLAGS,
  Opcode,
  PROTOCOL_VERSION,
  Status,
  SYNC_BYTE_0,
  SYNC_BYTE_1,
  SYS_LAST_OPCODE,
  SysEvent,
  crc16,
  crc32,
  encodePacket,
  payloads,
  type Triple,
} from '../../../protocol/v2/index.js';
import { concatBytes } from '../../bytes.js';

/** The host side of the wire as the firmware's transport channel sees it (synchronous: this runs on the firmware thread). */
export interface DeviceTransport {
  /** Host bytes that arrived since the last call; never blocks. */
  receive(): Uint8Array | null;
  /** Blocks up to `ms` or until host bytes arrive. */
  waitForData(ms: number): void;
  send(bytes: Uint8Array): void;
  now(): number;
}

/** omv_protocol_channel_t: every operation optional, with the C return conventions noted. */
export interface DeviceChannel {
  readonly name: string;
  readonly flags: number;
  init?(): boolean;
  size?(): number;
  shape?(): number[];
  /** May return fewer bytes; null or empty = failure. */
  read?(offset: number, size: number): Uint8Array | null;
  /** Exactly `size` bytes, or null = failure. */
  readp?(offset: number, size: number): Uint8Array | null;
  /** Nonzero = success (the firmware's test). */
  write?(offset: number, data: Uint8Array): number;
  /** 0 = success. */
  ioctl?(request: number, arg: Uint8Array | null): number;
  poll?(): boolean;
  lock?(): boolean;
  unlock?(): boolean;
  tick?(): void;
}

export interface ProtocolConfig {
  crc: boolean;
  seq: boolean;
  ack: boolean;
  events: boolean;
  maxPayload: number;
  rtxRetries: number;
  rtxTimeoutMs: number;
  lockIntervalMs: number;
}

export interface DeviceIdentity {
  cpuId: number;
  usbVid: number;
  usbPid: number;
  devId: Triple;
  chipId: Triple;
  hwCaps: [number, number];
  frameBufferSizeKb: number;
  streamBufferSizeKb: number;
  firmware: Triple;
  bootloader: Triple;
}

const MAX_CHANNELS = 32;
const READ_CHUNK = 512;

/**
 * The native Protocol V2 device side of OpenMV firmware 5.x (protocol/omv_protocol.c), for the virtual camera:
 * the same receive state machine (resync one byte at a time, SYNC recovery while a packet is incomplete), the same
 * sequence rules (every non-event packet sent advances the number, including ACK/NAK statuses and fragments), the
 * same stop-and-wait when ACKs are on (RTX flag, timeout doubling, retries, then a protocol reset), and the same
 * answers to each opcode, quirks included.
 */
export class ProtocolDevice {
  private config: ProtocolConfig;
  private readonly defaults: ProtocolConfig;
  private readonly channels: (DeviceChannel | undefined)[] = [];
  private buffer: Uint8Array = new Uint8Array(0);
  private sequence = 0;
  private lastLock = -Infinity;
  private waitingAck: { opcode: number; seq: number; status: 'pending' | 'ack' | 'nak' } | null = null;
  readonly stats = { sentPackets: 0, recvPackets: 0, checksumErrors: 0, sequenceErrors: 0, retransmit: 0, transportErrors: 0, sentEvents: 0 };

  constructor(private readonly transport: DeviceTransport, private readonly identity: DeviceIdentity, config: Partial<ProtocolConfig> = {}) {
    this.defaults = { crc: true, seq: true, ack: true, events: true, maxPayload: DEFAULT_MAX_PAYLOAD, rtxRetries: DEFAULT_RTX_RETRIES, rtxTimeoutMs: DEFAULT_RTX_TIMEOUT_MS, lockIntervalMs: MIN_LOCK_INTERVAL_MS, ...config };
    this.config = { ...this.defaults };
    this.channels[0] = { name: 'usb', flags: ChannelFlag.PHYSICAL };
  }

  registerStatic(id: number, channel: DeviceChannel): void {
    if (channel.init && !channel.init()) return;
    this.channels[id] = channel;
  }

  /** A script's channel: the first free id; the host hears a CHANNEL_REGISTERED event. -1 if none is free or init fails. */
  registerDynamic(channel: DeviceChannel): number {
    let id = -1;
    for (let i = 1; i < MAX_CHANNELS; i++) if (!this.channels[i]) {
      id = i;
      break;
    }
    if (id < 0 || (channel.init && !channel.init())) return -1;
    this.channels[id] = { ...channel, flags: channel.flags | ChannelFlag.DYNAMIC };
    this.sendEvent(0, SysEvent.CHANNEL_REGISTERED, false);
    return id;
  }

  private channelCount(): number {
    return this.channels.length;
  }

  /** omv_protocol_task: channel ticks, then poll. */
  task(): void {
    for (const ch of this.channels) ch?.tick?.();
    this.poll();
  }

  sendEvent(channelId: number, event: number, waitAck: boolean): boolean {
    if (!this.config.events) return false;
    this.stats.sentEvents++;
    const payload = event === SysEvent.NOTIFY ? new Uint8Array(0) : payloads.event.encode(event);
    return this.sendPacket(channelId === 0 ? Opcode.SYS_EVENT : Opcode.CHANNEL_EVENT, channelId, payload, Flag.EVENT | (waitAck ? Flag.ACK_REQ : 0));
  }

  private sendPacket(opcode: number, chan: number, data: Uint8Array, flagsIn: number): boolean {
    let flags = flagsIn;
    if (!this.config.ack) flags &= ~Flag.ACK_REQ;
    else if (!(flags & NO_ACK_FLAGS)) flags |= Flag.ACK_REQ;
    let at = 0;
    do {
      const len = Math.min(data.length - at, this.config.maxPayload);
      const fragFlags = data.length - at > this.config.maxPayload ? flags | Flag.FRAGMENT : flags;
      let bytes = encodePacket({ seq: this.sequence, chan, flags: fragFlags, opcode, payload: data.subarray(at, at + len) }, { crc: this.config.crc });
      let retries = this.config.rtxRetries;
      let timeout = this.config.rtxTimeoutMs;
      for (;;) {
        if (flags & Flag.ACK_REQ) this.waitingAck = { opcode, seq: this.sequence, status: 'pending' };
        this.transport.send(bytes);
        if (!this.waitingAck) break;
        const start = this.transport.now();
        let outcome: 'ack' | 'retry' | 'abort' = 'retry';
        for (;;) {
          if (!this.pollInput()) {
            outcome = 'abort';
            break;
          }
          const w = this.waitingAck as { status: string } | null;
          if (!w || w.status === 'ack') {
            outcome = 'ack';
            break;
          }
          if (w.status === 'nak' || this.transport.now() - start > timeout) break;
          this.transport.waitForData(Math.max(1, Math.min(20, timeout - (this.transport.now() - start))));
        }
        if (outcome === 'abort') return false;
        if (outcome === 'ack') {
          this.waitingAck = null;
          break;
        }
        if (retries-- <= 0) {
          this.reset();
          return false;
        }
        timeout *= 2;
        this.stats.retransmit++;
        if (!(fragFlags & Flag.RTX)) bytes = encodePacket({ seq: this.sequence, chan, flags: fragFlags | Flag.RTX, opcode, payload: data.subarray(at, at + len) }, { crc: this.config.crc });
      }
      at += len;
      if (!(flags & Flag.EVENT)) {
        this.sequence = (this.sequence + 1) & 0xff;
        this.stats.sentPackets++;
      }
    } while (at < data.length);
    return true;
  }

  private sendStatus(opcode: number, chan: number, status: number): void {
    if (status === Status.SEQUENCE) this.stats.sequenceErrors++;
    else if (status === Status.CHECKSUM) this.stats.checksumErrors++;
    if (status === Status.SUCCESS) this.sendPacket(opcode, chan, new Uint8Array(0), Flag.ACK);
    else this.sendPacket(opcode, chan, payloads.nakStatus.encode(status), Flag.NAK);
  }

  private reset(): void {
    this.sequence = 0;
    this.waitingAck = null;
    this.buffer = new Uint8Array(0);
    this.config = { ...this.defaults };
    for (const ch of this.channels) ch?.unlock?.();
  }

  /** omv_protocol_poll: takes what arrived and processes every complete packet. */
  poll(): void {
    this.pollInput();
  }

  /** Returns false when a SYNC arrived while waiting for an ACK (the send is abandoned). */
  private pollInput(): boolean {
    const got = this.transport.receive();
    if (got) this.buffer = this.buffer.length ? concatBytes([this.buffer, got]) : got;
    while (this.buffer.length >= 2) {
      if (this.waitingAck) return this.scanForAck();
      const sync = this.buffer.indexOf(SYNC_BYTE_0);
      if (sync < 0 || (this.buffer[sync + 1] !== undefined && this.buffer[sync + 1] !== SYNC_BYTE_1)) {
        this.buffer = this.buffer.subarray(sync < 0 ? this.buffer.length - 1 : sync + 1);
        continue;
      }
      this.buffer = this.buffer.subarray(sync);
      if (this.buffer.length < HEADER_SIZE) return true;
      const h = this.header(this.buffer);
      if (!this.headerCrcOk(this.buffer)) {
        this.buffer = this.buffer.subarray(1);
        continue;
      }
      if (h.length > this.config.maxPayload) {
        this.buffer = this.buffer.subarray(1);
        this.sendStatus(h.opcode, h.chan, Status.OVERFLOW);
        continue;
      }
      if (!this.seqOk(h)) {
        this.buffer = this.buffer.subarray(1);
        this.sendStatus(h.opcode, h.chan, Status.SEQUENCE);
        continue;
      }
      const size = HEADER_SIZE + h.length + (h.length ? 4 : 0);
      if (this.buffer.length < size) {
        // SYNC recovery: a sync command further on means the host gave up on this packet.
        const at = this.findSync(1);
        if (at < 0) return true;
        this.buffer = this.buffer.subarray(at);
        continue;
      }
      const packet = this.buffer.subarray(0, size);
      this.buffer = this.buffer.subarray(size);
      const payload = packet.subarray(HEADER_SIZE, HEADER_SIZE + h.length);
      if (h.length && this.config.crc && crc32(payload) !== new DataView(packet.buffer, packet.byteOffset + HEADER_SIZE + h.length, 4).getUint32(0, true)) this.sendStatus(h.opcode, h.chan, Status.CHECKSUM);
      else if (!(h.chan === 0 || h.opcode > SYS_LAST_OPCODE)) this.sendStatus(h.opcode, h.chan, Status.INVALID);
      else if (!(h.flags & (Flag.ACK | Flag.NAK))) this.process(h.opcode, h.chan, payload.slice());
    }
    return true;
  }

  private scanForAck(): boolean {
    const w = this.waitingAck!;
    for (let i = 0; i + HEADER_SIZE <= this.buffer.length; i++) {
      const view = this.buffer.subarray(i);
      if (view[0] !== SYNC_BYTE_0 || view[1] !== SYNC_BYTE_1 || !this.headerCrcOk(view)) continue;
      const h = this.header(view);
      if (h.opcode === Opcode.PROTO_SYNC && h.chan === 0 && h.length === 0) {
        this.buffer = this.buffer.subarray(i + HEADER_SIZE);
        this.process(Opcode.PROTO_SYNC, 0, new Uint8Array(0));
        return false;
      }
      if (h.flags & (Flag.ACK | Flag.NAK) && h.opcode === w.opcode && h.seq === w.seq) {
        this.buffer = this.buffer.subarray(i === 0 ? HEADER_SIZE : 0);
        if (i !== 0) this.buffer = concatBytes([this.buffer.subarray(0, i), this.buffer.subarray(i + HEADER_SIZE)]);
        w.status = h.flags & Flag.ACK ? 'ack' : 'nak';
        return true;
      }
    }
    return true;
  }

  private findSync(from: number): number {
    for (let i = from; i + HEADER_SIZE <= this.buffer.length; i++) {
      const v = this.buffer.subarray(i);
      if (v[0] === SYNC_BYTE_0 && v[1] === SYNC_BYTE_1 && this.headerCrcOk(v)) {
        const h = this.header(v);
        if (h.opcode === Opcode.PROTO_SYNC && h.chan === 0 && h.length === 0) return i;
      }
    }
    return -1;
  }

  private header(b: Uint8Array): { seq: number; chan: number; flags: number; opcode: number; length: number } {
    return { seq: b[2]!, chan: b[3]!, flags: b[4]!, opcode: b[5]!, length: b[6]! | (b[7]! << 8) };
  }

  private headerCrcOk(b: Uint8Array): boolean {
    return !this.config.crc || crc16(b, 0, 8) === (b[8]! | (b[9]! << 8));
  }

  private seqOk(h: { seq: number; flags: number; opcode: number }): boolean {
    return !this.config.seq || h.seq === this.sequence || (h.flags & (Flag.ACK | Flag.NAK)) !== 0 || h.opcode === Opcode.SYS_EVENT || h.opcode === Opcode.CHANNEL_EVENT || h.opcode === Opcode.PROTO_SYNC;
  }

  private process(opcode: number, chan: number, payload: Uint8Array): void {
    this.stats.recvPackets++;
    const ch = chan < this.channelCount() ? this.channels[chan] : undefined;
    const reply = (data: Uint8Array): void => void this.sendPacket(opcode, chan, data, 0);
    const status = (s: number): void => this.sendStatus(opcode, chan, s);
    switch (opcode) {
      case Opcode.PROTO_SYNC:
        this.reset();
        status(Status.SUCCESS);
        this.sequence = 0;
        return;
      case Opcode.PROTO_GET_CAPS:
        return reply(payloads.caps.encode({ crc: this.config.crc, seq: this.config.seq, ack: this.config.ack, events: this.config.events, maxPayload: this.config.maxPayload }));
      case Opcode.PROTO_SET_CAPS: {
        let caps;
        try {
          caps = payloads.caps.decode(payload);
        } catch {
          return status(Status.INVALID);
        }
        if (caps.maxPayload < MIN_MAX_PAYLOAD || caps.maxPayload > DEFAULT_MAX_PAYLOAD) return status(Status.INVALID);
        status(Status.SUCCESS);
        Object.assign(this.config, { crc: caps.crc, seq: caps.seq, ack: caps.ack, events: caps.events, maxPayload: caps.maxPayload });
        return;
      }
      case Opcode.PROTO_STATS:
        return reply(payloads.stats.encode(this.stats));
      case Opcode.PROTO_VERSION:
        return reply(payloads.version.encode({ protocol: [...PROTOCOL_VERSION] as Triple, bootloader: this.identity.bootloader, firmware: this.identity.firmware }));
      case Opcode.SYS_INFO: {
        const id = this.identity;
        return reply(payloads.sysInfo.encode({ cpuId: id.cpuId, devId: id.devId, uniqueId: '', usbVid: id.usbVid, usbPid: id.usbPid, chipId: id.chipId, hwCaps: id.hwCaps, features: [], pmuEventCounters: 0, flashSizeKb: 0, ramSizeKb: 0, frameBufferSizeKb: id.frameBufferSizeKb, streamBufferSizeKb: id.streamBufferSizeKb }));
      }
      case Opcode.SYS_MEMORY:
        return reply(payloads.memoryStats.encode([{ type: 0, flags: 0, total: 262144, used: 65536, free: 196608, persist: 0, peak: 0 }]));
      case Opcode.SYS_RESET:
      case Opcode.SYS_BOOT:
        return; // a real camera reboots here; the virtual one keeps running
      case Opcode.CHANNEL_LIST:
        return reply(payloads.channelList.encode(this.channels.flatMap((c, id) => (c ? [{ id, flags: c.flags, name: c.name.slice(0, 13) }] : []))));
      case Opcode.CHANNEL_POLL: {
        const ids = this.channels.flatMap((c, id) => (c?.poll?.() ? [id] : []));
        return reply(payloads.pollMask.encode(ids));
      }
      case Opcode.CHANNEL_LOCK:
        if (this.transport.now() - this.lastLock <= this.config.lockIntervalMs) return status(Status.BUSY);
        if (ch?.lock?.()) {
          this.lastLock = this.transport.now();
          return status(Status.SUCCESS);
        }
        return status(Status.BUSY);
      case Opcode.CHANNEL_UNLOCK:
        return status(ch?.unlock?.() ? Status.SUCCESS : Status.BUSY);
      case Opcode.CHANNEL_SIZE:
        return ch?.size ? reply(payloads.channelSize.encode(ch.size() >>> 0)) : status(Status.INVALID);
      case Opcode.CHANNEL_SHAPE:
        return ch?.shape ? reply(payloads.shape.encode(ch.shape().slice(0, 4))) : status(Status.INVALID);
      case Opcode.CHANNEL_READ:
        return this.read(chan, ch, payload);
      case Opcode.CHANNEL_WRITE: {
        const req = payload.length >= 8 ? payloads.writeRequest.decode(payload) : null;
        if (!ch?.write || !req || req.data.length === 0) return status(Status.INVALID);
        return status(ch.write(req.offset, req.data) ? Status.SUCCESS : Status.FAILED);
      }
      case Opcode.CHANNEL_IOCTL: {
        if (!ch?.ioctl || payload.length < 4) return status(Status.INVALID);
        const { request, args } = payloads.ioctlRequest.decode(payload);
        if (!(ch.flags & ChannelFlag.DYNAMIC) && IOCTL_ARG_SIZES[chan]?.[request] !== args.length) return status(Status.INVALID);
        return status(ch.ioctl(request, args.length ? args : null) ? Status.FAILED : Status.SUCCESS);
      }
      default:
        return status(Status.INVALID);
    }
  }

  private read(chan: number, ch: DeviceChannel | undefined, payload: Uint8Array): void {
    const req = payload.length >= 8 ? payloads.readRequest.decode(payload.subarray(0, 8)) : { offset: 0, length: 0 };
    if (!req.length || !ch || !(ch.read || ch.readp)) return this.sendStatus(Opcode.CHANNEL_READ, chan, Status.INVALID);
    if (ch.readp) {
      const data = ch.readp(req.offset, req.length);
      if (!data || data.length < req.length) return this.sendStatus(Opcode.CHANNEL_READ, chan, Status.FAILED);
      this.sendPacket(Opcode.CHANNEL_READ, chan, data.subarray(0, req.length), 0);
      return;
    }
    let { offset, length } = req;
    const chunk = Math.min(READ_CHUNK, this.config.maxPayload);
    while (length > 0) {
      const data = ch.read!(offset, Math.min(length, chunk));
      if (!data || data.length === 0) return this.sendStatus(Opcode.CHANNEL_READ, chan, Status.FAILED);
      length -= data.length;
      offset += data.length;
      if (!this.sendPacket(Opcode.CHANNEL_READ, chan, data, length === 0 ? 0 : Flag.FRAGMENT)) return;
    }
  }
}
