import {
  ChannelId,
  DEFAULT_MAX_PAYLOAD,
  LENGTH_LIMIT,
  Opcode,
  opcodeName,
  payloads,
  Status,
  SysEvent,
  type Caps,
  type ChannelEntry,
  type SysInfo,
  type Version,
} from '../../protocol/v2/index.js';
import type { Logger } from '../log.js';
import { V2ClosedError, V2ProtocolError, V2StatusError, V2TimeoutError } from './errors.js';
import { V2DamagedReplyError, V2Link, type AttemptOptions, type ByteLink, type LinkStats } from './link.js';
import { DEFAULT_LINK_POLICY, type LinkPolicy } from './policy.js';
import { LineModel } from './read-size.js';

export interface ClientOptions {
  /**
   * Caps to ask for after connecting. Default: CRCs on, sequence numbers on, events on, no per-packet ACKs (reads
   * are addressed by offset, so a corrupt or lost reply is repaired by asking for that offset again, and
   * stop-and-wait per fragment would cap the link well below its rate), the largest payload the firmware allows.
   */
  caps?: Partial<Caps>;
  /** How long the camera may stay silent, and how many times a request is sent again (see LinkPolicy). */
  policy?: Partial<LinkPolicy>;
  onEvent?: (channel: number, event: number) => void;
  /** Retries, fences and resyncs at debug level. */
  log?: Logger;
}

/** How hard connect() tries before saying there is no camera: a port with nothing behind it must fail fast. */
export interface ProbeOptions {
  /** Give up after this much silence. Default 2000 ms: a camera on a loaded host can be slow to answer its first sync. */
  silenceMs?: number;
  /** Give up after this many attempts that came back damaged (something answers, but not in V2). Default 12. */
  attempts?: number;
}

/** The longest a probe goes on while what answers is not V2 (a port that floods noise: every attempt damaged). */
const PROBE_LIMIT_MS = 5000;

export interface CameraInfo {
  version: Version;
  sysInfo: SysInfo;
  caps: Caps;
  channels: ChannelEntry[];
}

/** The link's counters and the client's own: what a `--json` summary reports per camera. */
export interface ClientStats extends LinkStats {
  /** Attempts that were sent again after damage, a NAK for a damaged request, or silence. */
  retries: number;
  /** Requests sent only to learn that nothing of an earlier attempt is still on the way. */
  fences: number;
  /** PROTO_SYNCs after connecting (both ends back to sequence 0, caps negotiated again). */
  resyncs: number;
}

/** Requests that change nothing on the camera and whose answers are told apart by opcode (see fence()). */
const FENCES = [Opcode.PROTO_GET_CAPS, Opcode.PROTO_VERSION, Opcode.PROTO_STATS];

/** NAKs that say the request was damaged on the way (not refused): it is simply sent again. */
const LINK_STATUSES = new Set<number>([Status.CHECKSUM, Status.SEQUENCE, Status.OVERFLOW]);

/** The largest payload is whatever the camera offers (4082 on most boards, 8178 on the N6 and AE3, 498 on the H7). */
const BEST_CAPS: Caps = { crc: true, seq: true, ack: false, events: true, maxPayload: LENGTH_LIMIT };

/**
 * A camera speaking Protocol V2: connect (sync, caps, version, SYS_INFO, channel list), then channel operations by
 * name or id. A request whose reply is damaged, lost or late is sent again, after a fence when an earlier attempt
 * may still have packets on the way (V2Link); a NAK from the camera is an answer, not a hiccup, and is thrown as
 * V2StatusError. The camera counts as gone only after `policy.timeoutMs` without a byte from it.
 */
export class V2Client {
  readonly link: V2Link;
  private info: CameraInfo | null = null;
  private readonly policy: LinkPolicy;
  private caps: Caps = { ...payloads.DEFAULT_CAPS };
  private readonly log: Logger | undefined;
  private retries = 0;
  private fences = 0;
  private resyncs = 0;
  /** The camera said it soft-rebooted (or lost our caps): it is back at sequence 0 and its default caps. */
  private rebooted = false;
  /** Fence opcodes whose answer may still be on the way, so that a stale answer could be taken for a new one. */
  private readonly tainted = new Set<number>();
  private readonly line: LineModel;
  /** The largest payload the camera offers (its buffer less the framing), and the one chosen for the line. */
  private offered = DEFAULT_MAX_PAYLOAD;
  private tunedPayload: number | null = null;

  constructor(port: ByteLink, private readonly options: ClientOptions = {}) {
    this.policy = { ...DEFAULT_LINK_POLICY, ...options.policy };
    this.link = new V2Link(port, {
      maxWaitMs: this.policy.timeoutMs,
      onEvent: (chan, event) => {
        if (chan === 0 && event === SysEvent.SOFT_REBOOT) this.rebooted = true; // omv_protocol_exec_script, protocol/omv_protocol.c:198-200
        options.onEvent?.(chan, event);
      },
    });
    this.log = options.log?.child({ module: 'v2' });
    this.line = new LineModel(this.link.stats);
  }

  async connect(probe: ProbeOptions = {}): Promise<CameraInfo> {
    await this.probe(probe);
    const version = payloads.version.decode(await this.call(Opcode.PROTO_VERSION, 0, undefined, { maxReply: 64 }));
    const sysInfo = payloads.sysInfo.decode(await this.call(Opcode.SYS_INFO, 0, undefined, { maxReply: 256 }));
    const channels = await this.listChannels();
    this.info = { version, sysInfo, caps: this.caps, channels };
    return this.info;
  }

  get camera(): CameraInfo {
    if (!this.info) throw new V2ProtocolError('not connected: call connect() first');
    return this.info;
  }

  get stats(): ClientStats {
    return { ...this.link.stats, retries: this.retries, fences: this.fences, resyncs: this.resyncs };
  }

  close(): void {
    this.link.close();
  }

  /** The first resync: short, so that a port without a camera behind it fails within a second or so. */
  private async probe({ silenceMs = 2000, attempts = 12 }: ProbeOptions): Promise<void> {
    const start = performance.now();
    for (let i = 1; ; i++) {
      try {
        await this.resyncOnce();
        return;
      } catch (e) {
        if (this.link.isClosed) throw e;
        const now = performance.now();
        const silent = now - Math.max(start, this.link.lastByteAt);
        const noise = e instanceof V2DamagedReplyError && now - start >= Math.max(PROBE_LIMIT_MS, silenceMs); // a camera slow to answer is no noise
        if (i >= attempts || noise || (e instanceof V2TimeoutError && silent >= silenceMs)) throw e;
      }
    }
  }

  /** PROTO_SYNC, then caps (the camera is back at its defaults after a sync). */
  private async resyncOnce(): Promise<void> {
    await this.link.sync();
    const want: Caps = { ...BEST_CAPS, ...this.options.caps };
    const offered = payloads.caps.decode(await this.link.request(Opcode.PROTO_GET_CAPS, 0, undefined, { maxReply: 64 }));
    this.offered = offered.maxPayload;
    want.maxPayload = Math.min(want.maxPayload, offered.maxPayload, this.tunedPayload ?? LENGTH_LIMIT);
    await this.link.request(Opcode.PROTO_SET_CAPS, 0, payloads.caps.encode(want), { maxReply: 64 });
    this.link.configure({ crc: want.crc, ack: want.ack, maxPayload: want.maxPayload });
    this.caps = want;
  }

  /**
   * Makes sure nothing of an earlier attempt is still on the way: a small request whose answer, coming in order,
   * comes after everything the camera sent before it. Its answer must be told apart from an earlier fence's, so
   * each fence whose answer may still be on the way rules its opcode out until one succeeds; when all are out (or
   * the camera's protocol reset itself), PROTO_SYNC, whose effect does not depend on which answer arrives.
   * GET_CAPS also tells whether the camera still has the caps negotiated.
   */
  private async fence(): Promise<void> {
    const opcode = FENCES.find((o) => !this.tainted.has(o));
    if (opcode === undefined || this.rebooted || this.link.reset) {
      this.resyncs++;
      this.rebooted = false;
      this.log?.debug({ stats: this.stats }, 'resynchronising the link');
      await this.resyncOnce();
      this.tainted.clear();
      return;
    }
    this.fences++;
    let answer: Uint8Array | null = null;
    try {
      answer = await this.link.request(opcode, 0, undefined, { maxReply: 64 });
    } catch (e) {
      if (!(e instanceof V2StatusError)) {
        this.tainted.add(opcode);
        throw e;
      }
      // a NAK is an answer too: everything before it has arrived
    }
    this.tainted.clear();
    this.link.doubtful = false;
    if (opcode === Opcode.PROTO_GET_CAPS && answer) {
      const caps = payloads.caps.decode(answer);
      if (caps.ack !== this.caps.ack || caps.crc !== this.caps.crc || caps.maxPayload !== this.caps.maxPayload) {
        this.log?.debug({ caps }, 'the camera lost the negotiated caps (its protocol reset itself)');
        this.rebooted = true;
        await this.fence();
      }
    }
  }

  /**
   * Runs `attempt` until it succeeds: a NAK that refuses the request is final; damage, a NAK for a damaged
   * request and silence are retried (up to `policy.retries` failures in a row), each after a fence when the link
   * is in doubt. Silence for `policy.timeoutMs` ends it at once: the camera is gone.
   */
  private async retrying<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    let failures = 0;
    for (;;) {
      try {
        if (this.rebooted || this.link.reset || this.link.doubtful) await this.fence();
      } catch (e) {
        this.fail(what, e, ++failures);
        continue;
      }
      try {
        return await attempt();
      } catch (e) {
        this.fail(what, e, ++failures);
      }
    }
  }

  /** Decides whether a failed attempt may be tried again; throws if not. */
  private fail(what: string, e: unknown, failures: number): void {
    if (this.link.isClosed || e instanceof V2ClosedError) throw e;
    if (e instanceof V2StatusError && !LINK_STATUSES.has(e.status)) throw e;
    const silentMs = performance.now() - this.link.lastByteAt;
    if (e instanceof V2TimeoutError && silentMs >= this.policy.timeoutMs) throw new V2TimeoutError(what, Math.round(silentMs));
    if (failures > this.policy.retries) throw e;
    this.retries++;
    this.log?.debug({ what, failures, error: (e as Error).message }, 'sending again');
  }

  /** One request with retries: NAKs that refuse it are final; damage on the line is retried. */
  call(opcode: number, chan: number, payload?: Uint8Array, options: AttemptOptions = {}): Promise<Uint8Array> {
    return this.retrying(`${opcodeName(opcode)} on channel ${chan}`, () => this.link.request(opcode, chan, payload, options));
  }

  /**
   * Reads at most `max` bytes at `offset`: fewer on a noisy line (ReadSizer picks the size from the damage the line
   * shows). A damaged reply's leading fragments that arrived whole are kept: they are the bytes at `offset`…,
   * each CRC-checked and in sequence. A clean reply of the wrong length is damage too, and is read again.
   */
  async readSome(chan: number, offset: number, max: number): Promise<Uint8Array> {
    return this.retrying(`CHANNEL_READ at ${offset} on channel ${chan}`, async () => {
      const { read, payload } = this.line.next(Math.min(this.offered, this.options.caps?.maxPayload ?? LENGTH_LIMIT));
      if (payload <= this.caps.maxPayload / 2 || payload >= this.caps.maxPayload * 2) await this.setPayload(payload);
      const n = Math.min(max, read);
      try {
        const reply = await this.link.request(Opcode.CHANNEL_READ, chan, payloads.readRequest.encode({ offset, length: n }), { maxReply: n });
        if (reply.length !== n) {
          this.link.stats.damaged++;
          throw new V2DamagedReplyError(`channel ${chan} answered a ${n}-byte read at ${offset} with ${reply.length} bytes`);
        }
        return reply;
      } catch (e) {
        if (e instanceof V2DamagedReplyError && e.prefix.length > 0) return e.prefix;
        throw e;
      }
    });
  }

  /** Asks the camera for packets of at most `maxPayload` bytes (smaller on a bad line: see LineModel). */
  private async setPayload(maxPayload: number): Promise<void> {
    const want: Caps = { ...this.caps, maxPayload };
    this.tunedPayload = maxPayload; // kept by a resync, should this request's answer go missing
    await this.link.request(Opcode.PROTO_SET_CAPS, 0, payloads.caps.encode(want), { maxReply: 64 });
    this.link.configure({ crc: want.crc, ack: want.ack, maxPayload: want.maxPayload });
    this.caps = want;
    if (this.info) this.info.caps = want;
    this.log?.debug({ maxPayload }, 'packet size changed for the line');
  }

  async listChannels(): Promise<ChannelEntry[]> {
    const channels = payloads.channelList.decode(await this.call(Opcode.CHANNEL_LIST, 0, undefined, { maxReply: 32 * 16 }));
    if (this.info) this.info.channels = channels;
    return channels;
  }

  /** A channel's id by name (the omvd channels are registered at run time, so ids differ between cameras). */
  channelId(name: string): number | undefined {
    return this.camera.channels.find((c) => c.name === name)?.id;
  }

  async size(chan: number): Promise<number> {
    return payloads.channelSize.decode(await this.call(Opcode.CHANNEL_SIZE, chan, undefined, { maxReply: 64 }));
  }

  async shape(chan: number): Promise<number[]> {
    return payloads.shape.decode(await this.call(Opcode.CHANNEL_SHAPE, chan, undefined, { maxReply: 256 }));
  }

  /** Channels with something new (CHANNEL_POLL), as ids. */
  async poll(): Promise<number[]> {
    return payloads.pollMask.decode(await this.call(Opcode.CHANNEL_POLL, 0, undefined, { maxReply: 64 }));
  }

  /** Exactly `length` bytes from `offset`. */
  async read(chan: number, offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    for (let at = 0; at < length; ) {
      const piece = await this.readSome(chan, offset + at, length - at);
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }

  /** Writes `data` at `offset`, in pieces that fit the negotiated payload. */
  async write(chan: number, offset: number, data: Uint8Array): Promise<void> {
    const piece = this.caps.maxPayload - 8;
    for (let at = 0; at < data.length; at += piece) {
      await this.call(Opcode.CHANNEL_WRITE, chan, payloads.writeRequest.encode({ offset: offset + at, data: data.subarray(at, at + piece) }));
    }
  }

  async ioctl(chan: number, request: number, arg: Uint8Array = new Uint8Array(0)): Promise<void> {
    await this.call(Opcode.CHANNEL_IOCTL, chan, payloads.ioctlRequest.encode({ request, args: arg }));
  }

  async lock(chan: number): Promise<void> {
    await this.call(Opcode.CHANNEL_LOCK, chan);
  }

  async unlock(chan: number): Promise<void> {
    await this.call(Opcode.CHANNEL_UNLOCK, chan);
  }

  /** What the running script printed since the last call (the stdout channel's ring). */
  async readStdout(): Promise<string> {
    const n = await this.size(ChannelId.STDOUT);
    return n === 0 ? '' : new TextDecoder().decode(await this.read(ChannelId.STDOUT, 0, n));
  }
}
