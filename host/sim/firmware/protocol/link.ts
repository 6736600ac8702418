import {
  crc16,
  crc32,
  encodePacket,
  Flag,
  HEADER_SIZE,
  MAX_CHANNELS,
  NO_ACK_FLAGS,
  Opcode,
  packetSize,
  payloads,
  Status,
  SYS_LAST_OPCODE,
  type Stats,
} from '../../../../protocol/v2/index.js';
import { ByteQueue, RxBuffer } from './rx-buffer.js';
import type { DeviceChannel, DeviceTransport, ProtocolConfig } from './types.js';

/** omv_protocol_state_t. WAIT_ACK is never stored: it is whatever state holds while an ACK is awaited. */
export const RxState = { SYNC: 0, HEADER: 1, PAYLOAD: 2, SYNC_RECOVERY: 3, WAIT_ACK: 4 } as const;
export type RxState = (typeof RxState)[keyof typeof RxState];

/** A registered channel and the flags the protocol reports for it. */
export interface ChannelSlot {
  channel: DeviceChannel;
  flags: number;
}

const PENDING = 0xff; // ack_status = -1 in a uint8_t

/**
 * The protocol context of protocol/omv_protocol.c: the receive state machine (omv_protocol_poll), the sender
 * with its stop-and-wait retransmission (omv_protocol_send_packet), the status replies and the reset. What a
 * complete packet asks for is decided by `process` (commands.ts), given the packet's offset in `rx.raw`.
 */
export class ProtocolLink {
  config: ProtocolConfig;
  sequence = 0;
  lastLockMs = 0;
  state: RxState = RxState.SYNC;
  scanOffset = 0;
  waitForAck = false;
  ackOpcode = 0;
  ackSequence = 0;
  ackStatus = PENDING;
  readonly rx: RxBuffer;
  /** The USB CDC FIFO: host bytes not yet siphoned into `rx` (which holds at most bufferSize). */
  readonly cdc = new ByteQueue();
  readonly slots: (ChannelSlot | null)[] = new Array<ChannelSlot | null>(MAX_CHANNELS).fill(null);
  /** ctx.channels_count: registrations so far; a channel at an id at or past it cannot be found. */
  count = 0;
  readonly stats: Stats = { sentPackets: 0, recvPackets: 0, checksumErrors: 0, sequenceErrors: 0, retransmit: 0, transportErrors: 0, sentEvents: 0 };
  process: (at: number) => void = () => undefined;

  constructor(readonly transport: DeviceTransport, readonly defaults: ProtocolConfig) {
    this.config = { ...defaults };
    this.rx = new RxBuffer(defaults.bufferSize);
  }

  /** mp_hal_ticks_ms(): whole milliseconds, u32. */
  now(): number {
    return Math.floor(this.transport.now()) >>> 0;
  }

  /** The u32 `(now - start) > timeout` of omv_protocol_check_timeout. */
  timedOut(start: number, timeout: number): boolean {
    return ((this.now() - start) >>> 0) > timeout;
  }

  isActive(): boolean {
    return this.transport.isActive?.() ?? true;
  }

  findChannel(id: number): ChannelSlot | null {
    return id >= this.count ? null : (this.slots[id] ?? null);
  }

  /** The transport's size(): first lets the USB stack take what arrived. */
  cdcAvailable(): number {
    const got = this.transport.receive();
    if (got) this.cdc.push(got);
    return this.cdc.length;
  }

  /** omv_protocol_reset: sequence 0, state SYNC, buffer emptied, the init config back, every channel unlocked. */
  reset(): void {
    this.sequence = 0;
    this.scanOffset = 0;
    this.waitForAck = false;
    this.state = RxState.SYNC;
    this.rx.clear();
    this.config = { ...this.defaults };
    for (let i = 0; i < this.count; i++) this.slots[i]?.channel.unlock?.();
  }

  sendStatus(opcode: number, chan: number, status: number): void {
    if (status === Status.SEQUENCE) this.stats.sequenceErrors++;
    else if (status === Status.CHECKSUM) this.stats.checksumErrors++;
    if (status === Status.SUCCESS) this.sendPacket(opcode, chan, null, Flag.ACK);
    else this.sendPacket(opcode, chan, payloads.nakStatus.encode(status), Flag.NAK);
  }

  /**
   * omv_protocol_send_packet: fragments at max_payload (FRAGMENT on all but the last), ACK_REQ on everything but
   * ACK/NAK/EVENT while ACKs are on, and for each fragment that asks for one, stop-and-wait: a NAK or a timeout
   * resends it (RTX set and the header CRC redone, but only while CRCs are on), the timeout doubling, until the
   * retries run out and the protocol resets. Each fragment that is not an event advances the sequence number.
   * false when the transport is inactive, the retries ran out, or a PROTO_SYNC arrived while waiting.
   */
  sendPacket(opcode: number, chan: number, data: Uint8Array | null, flagsIn: number): boolean {
    if (!this.isActive()) return false;
    let flags = flagsIn;
    if (!this.config.ack) flags &= ~Flag.ACK_REQ;
    else if (!(flags & NO_ACK_FLAGS)) flags |= Flag.ACK_REQ;
    let size = data ? data.length : 0;
    let at = 0;
    do {
      let retries = this.config.rtxRetries;
      let timeout = this.config.rtxTimeoutMs;
      const max = this.config.maxPayload;
      const fragLen = Math.min(size, max);
      const fragment = data && size ? data.subarray(at, at + fragLen) : new Uint8Array(0);
      let fragFlags = size <= max ? flags : flags | Flag.FRAGMENT;
      const seq = this.sequence;
      let bytes = encodePacket({ seq, chan, flags: fragFlags, opcode, payload: fragment }, { crc: this.config.crc });
      if (flags & Flag.ACK_REQ) {
        this.scanOffset = 0;
        this.ackStatus = PENDING;
        this.ackOpcode = opcode;
        this.ackSequence = seq;
        this.waitForAck = true;
      }
      do {
        this.transport.send(bytes);
        const start = this.now();
        while (this.waitForAck) {
          if (this.poll() === -1) return false;
          if (this.ackStatus === Status.SUCCESS) break;
          // ack_status is not cleared when resending: after one NAK every pass counts as a failure.
          if (this.ackStatus === Status.FAILED || this.timedOut(start, timeout)) {
            if (retries-- <= 0) {
              this.reset();
              return false;
            }
            timeout *= 2;
            this.stats.retransmit++;
            if (this.config.crc && !(fragFlags & Flag.RTX)) {
              fragFlags |= Flag.RTX;
              bytes = encodePacket({ seq, chan, flags: fragFlags, opcode, payload: fragment }, { crc: true });
            }
            break;
          }
          this.transport.waitForData(Math.max(1, timeout + 1 - ((this.now() - start) >>> 0)));
        }
      } while (this.waitForAck);
      size -= fragLen;
      at += fragLen;
      if (!(flags & Flag.EVENT)) {
        this.sequence = (this.sequence + 1) & 0xff;
        this.stats.sentPackets++;
      }
    } while (size > 0);
    return true;
  }

  /** omv_protocol_poll: siphons the transport into the buffer, then runs the state machine over it; -1 = abandon. */
  poll(): number {
    if (!this.isActive()) return -1;
    const rx = this.rx;
    for (let available = this.cdcAvailable(); available > 0; available = this.cdcAvailable()) {
      const n = Math.min(available, rx.free());
      const pos = rx.claim(n);
      if (pos < 0) break;
      const got = this.cdc.take(rx.raw, pos, n);
      if (got <= 0) break;
      rx.commit(got);
    }
    while (rx.avail() >= 2) {
      const p = rx.start;
      const size = rx.avail();
      switch (this.waitForAck ? RxState.WAIT_ACK : this.state) {
        case RxState.SYNC:
          while (rx.avail() >= 2) {
            if (rx.hasSyncAt(rx.start)) {
              this.state = RxState.HEADER;
              break;
            }
            rx.consume(1);
          }
          break;
        case RxState.HEADER:
          if (size < HEADER_SIZE) return 0;
          this.state = RxState.SYNC;
          if (!this.headerCrcOk(p)) {
            // rejected without a reply
          } else if (this.length(p) > this.config.maxPayload) {
            this.sendStatus(this.opcode(p), this.chan(p), Status.OVERFLOW);
          } else if (!this.seqOk(p)) {
            this.sendStatus(this.opcode(p), this.chan(p), Status.SEQUENCE);
          } else {
            this.state = RxState.PAYLOAD;
          }
          if (this.state !== RxState.PAYLOAD) rx.consume(1); // drop one byte, rescan from the next
          break;
        case RxState.PAYLOAD: {
          const total = packetSize(this.length(p));
          if (size < total) {
            this.scanOffset = 0;
            this.state = RxState.SYNC_RECOVERY;
            break;
          }
          this.state = RxState.SYNC;
          rx.consume(total); // before processing: a reply may wait for an ACK, which polls
          if (!this.payloadCrcOk(p, total - HEADER_SIZE)) this.sendStatus(this.opcode(p), this.chan(p), Status.CHECKSUM);
          else if (!(this.chan(p) === 0 || this.opcode(p) > SYS_LAST_OPCODE)) this.sendStatus(this.opcode(p), this.chan(p), Status.INVALID);
          else if (this.flags(p) & (Flag.ACK | Flag.NAK)) {
            // a stray ACK/NAK: ignored
          } else this.process(p);
          break;
        }
        case RxState.SYNC_RECOVERY:
          // An incomplete packet must not deadlock the link: a complete PROTO_SYNC behind it still gets through.
          if (size >= packetSize(this.length(p))) {
            this.state = RxState.SYNC;
            break;
          }
          for (; this.scanOffset <= size - HEADER_SIZE; this.scanOffset++) {
            if (this.isSync(p + this.scanOffset)) {
              this.process(p + this.scanOffset);
              return 0;
            }
          }
          this.state = RxState.PAYLOAD;
          return 0;
        case RxState.WAIT_ACK:
          for (; this.scanOffset <= size - HEADER_SIZE; this.scanOffset++) {
            const q = p + this.scanOffset;
            if (this.isSync(q)) {
              this.process(q);
              return -1;
            }
            if (this.isAck(q)) {
              this.scanOffset = 0;
              const acked = (this.flags(q) & Flag.ACK) !== 0;
              if (q === p) rx.consume(HEADER_SIZE); // only at the front, and only its header
              if (acked) {
                this.waitForAck = false;
                this.ackStatus = Status.SUCCESS;
              } else this.ackStatus = Status.FAILED;
              return 0;
            }
          }
          return 0;
      }
    }
    return 0;
  }

  seq(at: number): number {
    return this.rx.u8(at + 2);
  }
  chan(at: number): number {
    return this.rx.u8(at + 3);
  }
  flags(at: number): number {
    return this.rx.u8(at + 4);
  }
  opcode(at: number): number {
    return this.rx.u8(at + 5);
  }
  length(at: number): number {
    return this.rx.u16(at + 6);
  }

  private headerCrcOk(at: number): boolean {
    return !this.config.crc || crc16(this.rx.raw, at, at + 8) === this.rx.u16(at + 8);
  }

  /** `size` counts the CRC-32 trailer; 0 (no payload) always passes. */
  private payloadCrcOk(at: number, size: number): boolean {
    if (!size || !this.config.crc) return true;
    const from = at + HEADER_SIZE;
    return crc32(this.rx.raw, from, from + size - 4) === this.rx.u32(from + size - 4);
  }

  /** ACK/NAK, events and PROTO_SYNC are exempt from the sequence check. */
  private seqOk(at: number): boolean {
    const op = this.opcode(at);
    return (
      !this.config.seq ||
      this.sequence === this.seq(at) ||
      (this.flags(at) & (Flag.ACK | Flag.NAK)) !== 0 ||
      op === Opcode.SYS_EVENT ||
      op === Opcode.CHANNEL_EVENT ||
      op === Opcode.PROTO_SYNC
    );
  }

  private isSync(at: number): boolean {
    return this.rx.hasSyncAt(at) && this.chan(at) === 0 && this.length(at) === 0 && this.opcode(at) === Opcode.PROTO_SYNC && this.headerCrcOk(at);
  }

  private isAck(at: number): boolean {
    return (
      this.rx.hasSyncAt(at) &&
      (this.flags(at) & (Flag.ACK | Flag.NAK)) !== 0 &&
      this.opcode(at) === this.ackOpcode &&
      this.seq(at) === this.ackSequence &&
      this.headerCrcOk(at)
    );
  }
}
