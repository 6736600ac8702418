import { DEFAULT_MAX_PAYLOAD, encodePacket, Flag, Opcode, PacketDecoder, opcodeName, type Packet, type PacketHeader } from '../../protocol/v2/index.js';
import { V2ClosedError, V2ProtocolError, V2StatusError, V2TimeoutError } from './errors.js';
import { concatBytes } from '../bytes.js';
import { ReplyTimer } from './rto.js';

/** A byte stream to the camera: a SerialPort, or the virtual camera's in-process link. */
export interface ByteLink {
  write(data: Uint8Array): unknown;
  on(event: 'data', listener: (data: Uint8Array) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  removeListener(event: 'data' | 'close', listener: (...args: any[]) => void): unknown;
}

export interface LinkOptions {
  /** The longest one attempt may wait for its reply to begin or to go on. Default 5000 ms. */
  maxWaitMs?: number;
  onEvent?: (channel: number, event: number) => void;
}

/** What crossed the link, for `--json` summaries and the debug log. */
export interface LinkStats {
  /** Requests sent, each attempt counted (retries, fences and resyncs included). */
  requests: number;
  /** Attempts whose reply arrived damaged: a CRC failure, a missing fragment, more bytes than asked, a short read. */
  damaged: number;
  /** Attempts that got no reply in time. */
  timeouts: number;
  /** Packets that belonged to an earlier attempt (late replies, stray fragments): dropped, never delivered. */
  stale: number;
  /**
   * Late replies taken by the retry of the very request they answer: a read of stdout empties what it reads, so the
   * late answer to the first attempt is the only copy of that text.
   */
  late: number;
  /** Packets that failed a CRC check. */
  crcErrors: number;
  events: number;
  packetsIn: number;
  packetsOut: number;
  /** Bytes on the wire both ways, and the payload bytes of the replies delivered among them. */
  wireBytesIn: number;
  wireBytesOut: number;
  payloadBytesIn: number;
  /** Bytes that were in no valid packet: noise, and what damaged packets left behind. */
  droppedBytes: number;
}

export interface AttemptOptions {
  /** The most payload bytes the reply may carry; more is damage. Default: one maximal packet. */
  maxReply?: number;
}

/**
 * The attempt's reply was damaged on the way. `prefix` holds the reply's leading fragments that arrived whole and
 * in order (each CRC-checked and in sequence), which a read may keep.
 */
export class V2DamagedReplyError extends V2ProtocolError {
  constructor(
    what: string,
    readonly prefix: Uint8Array = new Uint8Array(0),
  ) {
    super(`a reply from the camera was damaged on the way (${what})`);
  }
}

interface Pending {
  opcode: number;
  chan: number;
  /** The request's payload: a late reply answers only a retry of the same request. */
  request: Uint8Array;
  /** The sequence number the next packet of the reply must carry (the request's, then one more per fragment). */
  nextSeq: number;
  maxReply: number;
  parts: Uint8Array[];
  size: number;
  sentAt: number;
  /** Bytes of this attempt's reply arrived, or bytes that may be (noise, a packet not yet whole): the camera answered. */
  heard: boolean;
  /** When the reply's first packet arrived (0: not yet). */
  firstAt: number;
  /** The longest pause between two chunks of bytes while this attempt waited. */
  maxGap: number;
  resolve(payload: Uint8Array): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | null;
  /** Why the reply is damaged (a CRC failure, a missing fragment, too long): it is followed to its end, then fails. */
  broken: string | null;
  /** When the current wait should end, and how long it is. */
  due: number;
  waitMs: number;
}

/**
 * The host end of Protocol V2 over a byte stream: one attempt at a time (the protocol is request/response).
 *
 * Each attempt is identified by what the camera echoes: its opcode and channel, and the sequence number the
 * firmware gives its reply (the request's own, then one more per fragment; protocol/omv_protocol.c sends every
 * non-event packet with ctx.sequence and advances it). A packet that does not continue the current attempt's
 * reply is an earlier attempt's (a late reply, a stray fragment) and is dropped and counted. The camera answers
 * in order, so once an attempt failed without a whole answer the link is `doubtful` until a fence (a request
 * whose answer can only come after everything the camera sent before it) or a resync has been answered; the
 * client sends one before the next attempt.
 *
 * A reply's wait restarts with every byte that arrives (ReplyTimer learns how long to wait), and every packet that
 * asks for an ACK gets one at once, in every state, so the camera never stalls in its stop-and-wait.
 */
export class V2Link {
  private readonly decoder: PacketDecoder;
  private expected = 0;
  private crc = true;
  private pending: Pending | null = null;
  /** The last attempt that got no reply in time, while its reply may still come (followed as a second reply). */
  private abandoned: Pending | null = null;
  /** That reply, whole and intact, for the retry of the same request to take. */
  private lateReply: { opcode: number; chan: number; request: Uint8Array; reply: Uint8Array } | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed: string | null = null;
  /** An earlier attempt may still have packets on the way: fence before the next one. */
  doubtful = false;
  /** The camera's protocol went back to its defaults (it asked for an ACK we had negotiated off): resync. */
  reset = false;
  private acks = true;
  private lastEvent = '';
  /** When a byte last arrived from the camera (ms, performance clock). */
  lastByteAt = performance.now();
  /** One wait per opcode: the camera takes longer for some (a ctl command starting the sensor) than for reads. */
  private readonly timers = new Map<number, ReplyTimer>();
  readonly stats: LinkStats = { requests: 0, damaged: 0, timeouts: 0, stale: 0, late: 0, crcErrors: 0, events: 0, packetsIn: 0, packetsOut: 0, wireBytesIn: 0, wireBytesOut: 0, payloadBytesIn: 0, droppedBytes: 0 };
  private readonly maxWaitMs: number;
  private readonly onData = (data: Uint8Array): void => this.receive(data);
  private readonly onClose = (): void => this.close('the port closed (camera unplugged?)');

  constructor(private readonly port: ByteLink, private readonly options: LinkOptions = {}) {
    this.maxWaitMs = options.maxWaitMs ?? 5000;
    this.decoder = new PacketDecoder({ maxPayload: DEFAULT_MAX_PAYLOAD, crc: true });
    this.decoder.onDamaged = (header) => this.onDamaged(header);
    port.on('data', this.onData);
    port.on('close', this.onClose);
  }

  /** Stops listening to the port (which stays open); the pending and later attempts fail. */
  close(reason = 'closed by omvd'): void {
    if (this.closed) return;
    this.closed = reason;
    this.port.removeListener('data', this.onData);
    this.port.removeListener('close', this.onClose);
    if (this.pending) this.settle(this.pending, new V2ClosedError(reason));
  }

  get isClosed(): boolean {
    return this.closed !== null;
  }

  /** What the negotiated caps mean for receiving: CRC checks, whether the camera asks for ACKs, the largest payload accepted. */
  configure({ crc, ack, maxPayload }: { crc: boolean; ack: boolean; maxPayload: number }): void {
    this.crc = crc;
    this.acks = ack;
    this.decoder.setCrc(crc);
    this.decoder.setMaxPayload(Math.max(maxPayload, DEFAULT_MAX_PAYLOAD));
  }

  /**
   * PROTO_SYNC: both ends back to sequence 0 and the default caps. Only the sync's own ACK answers it: the
   * firmware processes a sync even inside a half-received packet or while it waits for an ACK
   * (omv_protocol.c, SYNC_RECOVERY and WAIT_ACK states), and everything it sent before comes before that ACK.
   */
  async sync(): Promise<void> {
    await this.exclusive(async () => {
      this.configure({ crc: true, ack: true, maxPayload: DEFAULT_MAX_PAYLOAD });
      this.expected = 0;
      await this.attempt(Opcode.PROTO_SYNC, 0, new Uint8Array(0), {});
      this.expected = 0; // the firmware resets its sequence to 0 after acknowledging the sync
      this.doubtful = false;
      this.reset = false;
    });
  }

  /**
   * One attempt: sends the request and resolves with the reply's payload (empty for a plain ACK). Rejects with
   * V2StatusError for a NAK, V2DamagedReplyError, V2TimeoutError (nothing came back in time) or V2ClosedError.
   */
  request(opcode: number, chan: number, payload: Uint8Array = new Uint8Array(0), options: AttemptOptions = {}): Promise<Uint8Array> {
    return this.exclusive(() => this.attempt(opcode, chan, payload, options));
  }

  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => {});
    return next;
  }

  private attempt(opcode: number, chan: number, payload: Uint8Array, options: AttemptOptions): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new V2ClosedError(this.closed));
    const late = this.lateReply;
    if (late && late.opcode === opcode && late.chan === chan) {
      // Between the attempt and its retry only fences run (other opcodes): the same opcode and channel ends the wait.
      this.lateReply = null;
      if (sameBytes(late.request, payload) && late.reply.length <= (options.maxReply ?? DEFAULT_MAX_PAYLOAD)) {
        this.stats.late++;
        return Promise.resolve(late.reply);
      }
    }
    if (this.abandoned?.opcode === opcode && this.abandoned.chan === chan) this.abandoned = null;
    return new Promise<Uint8Array>((resolve, reject) => {
      const p: Pending = {
        opcode,
        chan,
        request: payload,
        nextSeq: this.expected,
        maxReply: options.maxReply ?? DEFAULT_MAX_PAYLOAD,
        parts: [],
        size: 0,
        sentAt: performance.now(),
        heard: false,
        firstAt: 0,
        maxGap: 0,
        resolve,
        reject,
        timer: null,
        broken: null,
        due: 0,
        waitMs: 0,
      };
      this.pending = p;
      this.stats.requests++;
      const bytes = this.send({ seq: this.expected, chan, flags: 0, opcode, payload });
      this.arm(p, this.timerFor(opcode).wait(bytes));
    });
  }

  private timerFor(opcode: number): ReplyTimer {
    let timer = this.timers.get(opcode);
    if (!timer) this.timers.set(opcode, (timer = new ReplyTimer(this.maxWaitMs)));
    return timer;
  }

  private arm(p: Pending, ms: number): void {
    if (p.timer) clearTimeout(p.timer);
    const now = performance.now();
    const wait = Math.max(1, Math.min(ms, p.sentAt + this.maxWaitMs - now)); // a stream of garbage cannot keep an attempt alive
    p.due = now + wait;
    p.waitMs = wait;
    p.timer = setTimeout(() => this.expire(p), wait);
  }

  private expire(p: Pending): void {
    if (this.pending !== p) return;
    // A timer that fires well after it was due means this process was not running (a busy host): the reply may be
    // waiting unread, and timers run before I/O is read. Such a wait does not count; it starts again.
    const now = performance.now();
    if (now - p.due > Math.max(20, p.waitMs / 2) && now - p.sentAt < this.maxWaitMs) return this.arm(p, p.waitMs);
    this.doubtful = true;
    if (p.heard || this.decoder.pendingBytes > 0) {
      p.broken ??= 'the reply stopped half-way';
      this.settle(p, this.damaged(p));
    } else {
      this.timerFor(p.opcode).expired();
      this.stats.timeouts++;
      // The first attempt that went unanswered is followed; the fences sent after it do not replace it.
      if (p.opcode !== Opcode.PROTO_SYNC) this.abandoned ??= p;
      this.settle(p, new V2TimeoutError(`${opcodeName(p.opcode)} on channel ${p.chan}`, Math.round(performance.now() - p.sentAt)));
    }
  }

  private send(packet: Packet): number {
    const bytes = encodePacket(packet, { crc: this.crc });
    this.stats.packetsOut++;
    this.stats.wireBytesOut += bytes.length;
    this.port.write(bytes);
    return bytes.length;
  }

  private receive(data: Uint8Array): void {
    const now = performance.now();
    if (this.pending?.heard) this.pending.maxGap = Math.max(this.pending.maxGap, now - this.lastByteAt);
    this.lastByteAt = now;
    this.stats.wireBytesIn += data.length;
    const c = this.decoder.counters;
    const dropped = c.droppedBytes;
    const crcErrors = c.headerCrcErrors + c.payloadCrcErrors;
    const before = this.pending;
    const packets = this.stats.packetsIn;
    const passedOver = this.stats.stale + this.stats.events;
    this.decoder.push(data, (packet) => this.onPacket(packet));
    // Packets of earlier attempts (a slow camera's late replies) and events are not this attempt's reply: an
    // attempt that heard only those got no reply, and its own reply may still come late (see lateFor).
    const ownPackets = this.stats.packetsIn - packets - (this.stats.stale + this.stats.events - passedOver);
    if (before && (ownPackets > 0 || c.droppedBytes > dropped || this.decoder.pendingBytes > 0)) before.heard = true;
    this.stats.droppedBytes += c.droppedBytes - dropped;
    this.stats.crcErrors += c.headerCrcErrors + c.payloadCrcErrors - crcErrors;
    const p = this.pending;
    // Before its own reply begins, earlier attempts' late packets and events only say the camera is still there:
    // the wait for the first byte starts again, rather than shrinking to the pause allowed inside a reply.
    if (p && p === before) {
      const timer = this.timerFor(p.opcode);
      this.arm(p, p.heard ? timer.pause() : timer.wait());
    }
  }

  /**
   * A packet whose header is intact but whose payload is not. If it continues this attempt's reply, the reply is
   * damaged but its end can still be seen: the camera's sequence numbers are followed to the last fragment, so no
   * fence is needed afterwards.
   */
  private onDamaged(h: PacketHeader): void {
    const p = this.pending;
    if (!p || h.flags & Flag.EVENT || p.opcode === Opcode.PROTO_SYNC || h.opcode !== p.opcode || h.chan !== p.chan) return;
    if (h.flags & Flag.NAK) return; // a damaged NAK: its attempt ends in doubt (the wait runs out)
    this.follow(p, h.seq, h.flags, h.seq === p.nextSeq ? 'a packet failed its CRC' : `expected sequence ${p.nextSeq}, got ${h.seq}`);
  }

  private onPacket(packet: Packet): void {
    this.stats.packetsIn++;
    if (packet.flags & Flag.ACK_REQ) {
      this.send({ seq: packet.seq, chan: packet.chan, flags: Flag.ACK, opcode: packet.opcode, payload: new Uint8Array(0) });
      // ACKs were negotiated off, yet the camera asks for one: its protocol reset itself (retries ran out, a soft
      // reboot) and is back at its defaults.
      if (!this.acks && !(packet.flags & Flag.EVENT)) this.reset = true;
    }
    if (packet.flags & Flag.EVENT) {
      const event = packet.payload.length >= 2 ? packet.payload[0]! | (packet.payload[1]! << 8) : 0xffff;
      const key = `${packet.chan}/${packet.seq}/${event}`;
      if (packet.flags & Flag.RTX && key === this.lastEvent) return; // resent because our ACK was lost: told once
      this.lastEvent = key;
      this.stats.events++;
      this.options.onEvent?.(packet.chan, event);
      return;
    }
    if (this.lateFor(packet)) return;
    const p = this.pending;
    if (!p) return this.stray();
    if (p.opcode === Opcode.PROTO_SYNC) {
      if (packet.opcode === Opcode.PROTO_SYNC && packet.flags & (Flag.ACK | Flag.NAK)) this.succeed(p);
      else this.stats.stale++;
      return;
    }
    if (packet.opcode !== p.opcode || packet.chan !== p.chan) return void this.stats.stale++;
    if (packet.flags & Flag.RTX && p.parts.length > 0 && ((packet.seq + 1) & 0xff) === p.nextSeq) return void this.stats.stale++; // a fragment resent because our ACK was lost
    if (packet.flags & Flag.NAK) {
      // The camera's state is known: a NAK carries its current sequence number (SEQUENCE NAKs included).
      this.expected = (packet.seq + 1) & 0xff;
      const status = packet.payload.length >= 2 ? packet.payload[0]! | (packet.payload[1]! << 8) : 1;
      return this.settle(p, p.broken ? this.damaged(p) : new V2StatusError(p.opcode, String(p.chan), status));
    }
    let why: string | null = null;
    if (packet.seq !== p.nextSeq) why = `expected sequence ${p.nextSeq}, got ${packet.seq}`;
    else if (p.size + packet.payload.length > p.maxReply) why = `more than the ${p.maxReply} bytes asked for`;
    else if (!p.broken) {
      if (p.parts.length === 0) p.firstAt = performance.now();
      p.parts.push(packet.payload);
      p.size += packet.payload.length;
    }
    this.follow(p, packet.seq, packet.flags, why);
  }

  /** One more packet of this attempt's reply (whole or damaged): follows its sequence number; the last one ends it. */
  private follow(p: Pending, seq: number, flags: number, broken: string | null): void {
    if (broken) p.broken ??= broken;
    this.expected = p.nextSeq = (seq + 1) & 0xff;
    if (flags & Flag.FRAGMENT) return;
    if (p.broken) this.settle(p, this.damaged(p));
    else this.succeed(p);
  }

  private damaged(p: Pending): V2DamagedReplyError {
    this.stats.damaged++;
    this.stats.payloadBytesIn += p.size; // the leading fragments go with the error, for a read to keep
    return new V2DamagedReplyError(p.broken ?? 'damaged', concatBytes(p.parts));
  }

  /**
   * A packet of the abandoned attempt's reply, which arrived after that attempt gave up (the camera was slow): kept
   * whole and intact for its retry (see attempt()); anything amiss and the reply is dropped as stale. The current
   * attempt never takes it, so a late reply is never delivered as another request's answer.
   */
  private lateFor(packet: Packet): boolean {
    const a = this.abandoned;
    if (!a || packet.opcode !== a.opcode || packet.chan !== a.chan || packet.seq !== a.nextSeq || packet.flags & Flag.NAK) return false;
    if (a.size + packet.payload.length > a.maxReply) {
      this.abandoned = null;
      return false;
    }
    this.stats.stale++; // as every packet of an earlier attempt; `late` counts the replies a retry took
    a.parts.push(packet.payload);
    a.size += packet.payload.length;
    a.nextSeq = (packet.seq + 1) & 0xff;
    if (!(packet.flags & Flag.FRAGMENT)) {
      this.abandoned = null;
      this.lateReply = { opcode: a.opcode, chan: a.chan, request: a.request, reply: concatBytes(a.parts) };
    }
    return true;
  }

  /** A packet while no attempt waits: the camera sent more than was asked, so later packets are in doubt. */
  private stray(): void {
    this.stats.stale++;
    this.doubtful = true;
  }

  private succeed(p: Pending): void {
    this.abandoned = null; // the camera answers in order: whatever it sent for an earlier attempt has come by now
    const now = performance.now();
    this.timerFor(p.opcode).sample((p.firstAt || now) - p.sentAt, p.maxGap, p.size, p.firstAt ? now - p.firstAt : 0);
    this.stats.payloadBytesIn += p.size;
    this.settle(p, null);
  }

  private settle(p: Pending, error: Error | null): void {
    if (p.timer) clearTimeout(p.timer);
    if (this.pending === p) this.pending = null;
    if (error) p.reject(error);
    else p.resolve(p.parts.length === 1 ? p.parts[0]! : concatBytes(p.parts));
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
