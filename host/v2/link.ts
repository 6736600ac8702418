import {
  DEFAULT_MAX_PAYLOAD,
  encodePacket,
  Flag,
  Opcode,
  PacketDecoder,
  opcodeName,
  type Packet,
} from '../../protocol/v2/index.js';
import { V2ClosedError, V2ProtocolError, V2StatusError, V2TimeoutError } from './errors.js';
import { concatBytes } from '../bytes.js';

/** A byte stream to the camera: a SerialPort, or the virtual camera's in-process link. */
export interface ByteLink {
  write(data: Uint8Array): unknown;
  on(event: 'data', listener: (data: Uint8Array) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  removeListener(event: 'data' | 'close', listener: (...args: any[]) => void): unknown;
}

export interface LinkOptions {
  /** How long one packet of a reply may take to arrive. Default 1000 ms. */
  timeoutMs?: number;
  onEvent?: (channel: number, event: number) => void;
}

export interface LinkStats {
  sentPackets: number;
  receivedPackets: number;
  /** Bytes on the wire both ways, and the payload bytes of replies among them. */
  wireBytesIn: number;
  wireBytesOut: number;
  payloadBytesIn: number;
  droppedBytes: number;
}

interface Pending {
  opcode: number;
  chan: number;
  parts: Uint8Array[];
  size: number;
  resolve(payload: Uint8Array): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  restart(ms?: number): void;
  /** Part of the reply was lost or corrupt: the rest is drained, then the request fails (and is sent again). */
  broken: string | null;
}

/**
 * Part of a reply was lost or damaged on the way. The link has already re-learnt the camera's sequence number, so
 * the request can simply be sent again.
 */
export class V2DamagedReplyError extends V2ProtocolError {
  constructor(what: string) {
    super(`a reply from the camera was damaged on the way (${what})`);
  }
}

/**
 * How long a damaged or half-received reply may stay silent before the request is failed. Within a packet, bytes
 * follow each other without pause on a working link (USB delivers them 64 bytes at a time).
 */
const DRAIN_MS = 20;

/**
 * The host end of Protocol V2 over a byte stream: one request at a time (the protocol is request/response),
 * replies reassembled from fragments, the camera's packets acknowledged when it asks, duplicates from
 * retransmissions dropped, events passed on. Sequence numbers follow the firmware: every non-event packet the
 * camera sends advances them, and the next request carries the number the camera expects.
 */
export class V2Link {
  private readonly decoder: PacketDecoder;
  private expected = 0;
  private crc = true;
  private pending: Pending | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed: string | null = null;
  readonly stats: LinkStats = { sentPackets: 0, receivedPackets: 0, wireBytesIn: 0, wireBytesOut: 0, payloadBytesIn: 0, droppedBytes: 0 };
  private readonly timeoutMs: number;
  private readonly onData = (data: Uint8Array): void => this.receive(data);
  private readonly onClose = (): void => this.close('the port closed (camera unplugged?)');

  constructor(private readonly port: ByteLink, private readonly options: LinkOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.decoder = new PacketDecoder({ maxPayload: DEFAULT_MAX_PAYLOAD, crc: true });
    port.on('data', this.onData);
    port.on('close', this.onClose);
  }

  /** Stops listening to the port (which stays open); pending and later requests fail. */
  close(reason = 'closed by omvd'): void {
    if (this.closed) return;
    this.closed = reason;
    this.port.removeListener('data', this.onData);
    this.port.removeListener('close', this.onClose);
    this.fail(new V2ClosedError(reason));
  }

  get isClosed(): boolean {
    return this.closed !== null;
  }

  /** What the negotiated caps mean for receiving: CRC checks and the largest payload accepted. */
  configure({ crc, maxPayload }: { crc: boolean; maxPayload: number }): void {
    this.crc = crc;
    this.decoder.setCrc(crc);
    this.decoder.setMaxPayload(Math.max(maxPayload, DEFAULT_MAX_PAYLOAD));
  }

  /**
   * PROTO_SYNC: both ends back to sequence 0 and the default caps (CRCs on, ACKs on, 4082-byte payloads). Used to
   * connect and to recover from any error.
   */
  async sync(timeoutMs = this.timeoutMs): Promise<void> {
    await this.exclusive(async () => {
      this.configure({ crc: true, maxPayload: DEFAULT_MAX_PAYLOAD });
      this.expected = 0;
      await this.roundTrip(Opcode.PROTO_SYNC, 0, new Uint8Array(0), timeoutMs);
      this.expected = 0; // the firmware resets its sequence to 0 after acknowledging the sync
    });
  }

  /** Sends a request and resolves with the reply's payload (empty for a plain ACK); a NAK rejects with its status. */
  request(opcode: number, chan: number, payload: Uint8Array = new Uint8Array(0), timeoutMs = this.timeoutMs): Promise<Uint8Array> {
    return this.exclusive(() => this.roundTrip(opcode, chan, payload, timeoutMs));
  }

  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => {});
    return next;
  }

  private roundTrip(opcode: number, chan: number, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new V2ClosedError(this.closed));
    return new Promise<Uint8Array>((resolve, reject) => {
      const onTimeout = (): void => {
        this.pending = null;
        const broken = pending.broken ?? (this.decoder.pendingBytes > 0 ? 'a packet stopped half-way' : null);
        reject(broken ? new V2DamagedReplyError(broken) : new V2TimeoutError(`${opcodeName(opcode)} on channel ${chan}`, timeoutMs));
      };
      const pending: Pending = {
        opcode,
        chan,
        parts: [],
        size: 0,
        resolve,
        reject,
        timer: setTimeout(onTimeout, timeoutMs),
        restart: (ms = timeoutMs) => {
          clearTimeout(pending.timer);
          pending.timer = setTimeout(onTimeout, ms);
        },
        broken: null,
      };
      this.pending = pending;
      this.send({ seq: this.expected, chan, flags: 0, opcode, payload });
    });
  }

  private send(packet: Packet): void {
    const bytes = encodePacket(packet, { crc: this.crc });
    this.stats.sentPackets++;
    this.stats.wireBytesOut += bytes.length;
    this.port.write(bytes);
  }

  private ack(packet: Packet): void {
    this.send({ seq: packet.seq, chan: packet.chan, flags: Flag.ACK, opcode: packet.opcode, payload: new Uint8Array(0) });
  }

  private receive(data: Uint8Array): void {
    this.stats.wireBytesIn += data.length;
    const c = this.decoder.counters;
    const before = c.droppedBytes;
    const crcErrors = c.headerCrcErrors + c.payloadCrcErrors;
    this.decoder.push(data, (packet) => this.onPacket(packet));
    this.stats.droppedBytes += c.droppedBytes - before;
    const p = this.pending;
    if (p && p.opcode !== Opcode.PROTO_SYNC) {
      if (c.headerCrcErrors + c.payloadCrcErrors > crcErrors) {
        p.broken ??= 'a packet failed its CRC';
        p.restart(DRAIN_MS);
      } else if (this.decoder.pendingBytes > 0 && this.pending === p) {
        // Half a packet: the rest follows at once on a working line; if it does not, bytes were lost.
        p.restart(p.broken ? DRAIN_MS : Math.max(DRAIN_MS, this.timeoutMs / 4));
      }
    }
  }

  private onPacket(packet: Packet): void {
    this.stats.receivedPackets++;
    const asked = (packet.flags & Flag.ACK_REQ) !== 0;
    if (packet.flags & Flag.EVENT) {
      if (asked) this.ack(packet);
      const event = packet.payload.length >= 2 ? packet.payload[0]! | (packet.payload[1]! << 8) : 0xffff;
      this.options.onEvent?.(packet.chan, event);
      return;
    }
    if (this.pending?.opcode === Opcode.PROTO_SYNC) {
      // Resynchronising: whatever is still in flight from before is stale; only the sync's own answer counts.
      if (packet.opcode !== Opcode.PROTO_SYNC) return;
      this.expected = packet.seq;
    }
    if (packet.seq !== this.expected) {
      // A retransmission of what already arrived: the camera missed our ACK; acknowledge it again, drop it.
      if (packet.flags & Flag.RTX && ((packet.seq + 1) & 0xff) === this.expected) {
        if (asked) this.ack(packet);
        return;
      }
      // Packets went missing (or the camera counts from elsewhere, as its SEQUENCE NAK shows): follow its numbering.
      if (this.pending) this.pending.broken ??= `expected sequence ${this.expected}, got ${packet.seq}`;
    }
    if (asked) this.ack(packet);
    this.expected = (packet.seq + 1) & 0xff;
    const p = this.pending;
    if (!p) return; // a late reply to a request that already failed
    if (p.broken) {
      if (packet.flags & Flag.FRAGMENT) p.restart(DRAIN_MS);
      else this.settle(p, new V2DamagedReplyError(p.broken));
      return;
    }
    if (packet.opcode !== p.opcode || packet.chan !== p.chan) {
      this.settle(p, new V2ProtocolError(`the camera answered ${opcodeName(packet.opcode)} on channel ${packet.chan} to ${opcodeName(p.opcode)} on channel ${p.chan}`));
      return;
    }
    if (packet.flags & Flag.NAK) {
      const status = packet.payload.length >= 2 ? packet.payload[0]! | (packet.payload[1]! << 8) : 1;
      this.settle(p, new V2StatusError(p.opcode, String(p.chan), status));
      return;
    }
    this.stats.payloadBytesIn += packet.payload.length;
    p.parts.push(packet.payload);
    p.size += packet.payload.length;
    if (packet.flags & Flag.FRAGMENT) {
      p.restart();
      return;
    }
    this.settle(p, null);
  }

  private settle(p: Pending, error: Error | null): void {
    clearTimeout(p.timer);
    if (this.pending === p) this.pending = null;
    if (error) p.reject(error);
    else p.resolve(p.parts.length === 1 ? p.parts[0]! : concatBytes(p.parts));
  }

  private fail(error: Error): void {
    if (this.pending) this.settle(this.pending, error);
  }
}
