import {
  ChannelId,
  DEFAULT_MAX_PAYLOAD,
  Opcode,
  payloads,
  Status,
  StdinIoctl,
  type Caps,
  type ChannelEntry,
  type SysInfo,
  type Version,
} from '../../protocol/v2/index.js';
import { V2ProtocolError, V2StatusError } from './errors.js';
import { V2DamagedReplyError, V2Link, type ByteLink, type LinkOptions } from './link.js';

export interface ClientOptions extends LinkOptions {
  /**
   * Caps to ask for after connecting. Default: CRCs on, sequence numbers on, events on, no per-packet ACKs (reads
   * are addressed by offset, so a corrupt or lost reply is repaired by asking for that offset again, and
   * stop-and-wait per fragment would cap the link well below its rate), the largest payload the firmware allows.
   */
  caps?: Partial<Caps>;
  /** Attempts per request before giving up (each failure resynchronises the link first). Default 4. */
  attempts?: number;
}

export interface CameraInfo {
  version: Version;
  sysInfo: SysInfo;
  caps: Caps;
  channels: ChannelEntry[];
}

/** NAKs that say the request was damaged on the way (not refused): the link is resynchronised and it is sent again. */
const LINK_STATUSES = new Set<number>([Status.CHECKSUM, Status.SEQUENCE, Status.OVERFLOW]);

/** Largest single read: what omvd's device scripts serve from their buffer. */
const MAX_READ = 32 * 1024;
const MIN_READ = 48;

const BEST_CAPS: Caps = { crc: true, seq: true, ack: false, events: true, maxPayload: DEFAULT_MAX_PAYLOAD };

/**
 * A camera speaking Protocol V2: connect (sync, caps, version, SYS_INFO, channel list), then channel operations by
 * name or id. Every request is retried after a resync when the link hiccups (timeout, lost reply, corrupt bytes);
 * a NAK from the camera is an answer, not a hiccup, and is thrown as V2StatusError.
 */
export class V2Client {
  readonly link: V2Link;
  private info: CameraInfo | null = null;
  private readonly attempts: number;
  private caps: Caps = { ...payloads.DEFAULT_CAPS };

  constructor(port: ByteLink, private readonly options: ClientOptions = {}) {
    this.link = new V2Link(port, options);
    this.attempts = options.attempts ?? 4;
  }

  async connect(): Promise<CameraInfo> {
    await this.retrying(() => this.resync(), true);
    const version = payloads.version.decode(await this.call(Opcode.PROTO_VERSION, 0));
    const sysInfo = payloads.sysInfo.decode(await this.call(Opcode.SYS_INFO, 0));
    const channels = await this.listChannels();
    this.info = { version, sysInfo, caps: this.caps, channels };
    return this.info;
  }

  get camera(): CameraInfo {
    if (!this.info) throw new V2ProtocolError('not connected: call connect() first');
    return this.info;
  }

  close(): void {
    this.link.close();
  }

  /** Sync, then negotiate caps (the camera keeps its defaults after a sync, so this follows every resync). */
  private async resync(): Promise<void> {
    await this.link.sync();
    const want: Caps = { ...BEST_CAPS, ...this.options.caps };
    const offered = payloads.caps.decode(await this.link.request(Opcode.PROTO_GET_CAPS, 0));
    want.maxPayload = Math.min(want.maxPayload, offered.maxPayload);
    await this.link.request(Opcode.PROTO_SET_CAPS, 0, payloads.caps.encode(want));
    this.link.configure({ crc: want.crc, maxPayload: want.maxPayload });
    this.caps = want;
  }

  /** One request with retries: NAKs that refuse it are final; damage on the line is retried. */
  call(opcode: number, chan: number, payload?: Uint8Array): Promise<Uint8Array> {
    return this.retrying(() => this.link.request(opcode, chan, payload));
  }

  private readSize = MAX_READ;
  private readStreak = 0;

  /**
   * Reads at most `max` bytes at `offset`: fewer on a noisy line. The read size halves after each damaged reply
   * (down to 48 bytes) and doubles again after a run of clean ones, so a line that corrupts one byte in a hundred
   * still gets everything through, and a clean one runs at full size.
   */
  async readSome(chan: number, offset: number, max: number): Promise<Uint8Array> {
    let n = 0;
    const data = await this.retrying(
      () => {
        n = Math.min(max, this.readSize);
        return this.link.request(Opcode.CHANNEL_READ, chan, payloads.readRequest.encode({ offset, length: n }));
      },
      false,
      () => {
        this.readSize = Math.max(MIN_READ, this.readSize >> 1);
        this.readStreak = 0;
      },
    );
    if (data.length !== n) throw new V2ProtocolError(`channel ${chan} answered a ${n}-byte read at ${offset} with ${data.length} bytes`);
    if (++this.readStreak >= 8 && this.readSize < MAX_READ) {
      this.readSize = Math.min(MAX_READ, this.readSize * 2);
      this.readStreak = 0;
    }
    return data;
  }

  /**
   * Runs `attempt` until it succeeds. A damaged reply or a NAK for a damaged request is simply sent again (the link
   * follows the camera's sequence numbers); silence (a timeout) resynchronises the link first.
   */
  private async retrying<T>(attempt: () => Promise<T>, resyncing = false, onDamage: () => void = () => {}): Promise<T> {
    let lastError: unknown;
    let silences = 0;
    for (let i = 0; i < this.attempts; i++) {
      try {
        // One silence is most likely a request lost on the way: the camera saw nothing, so send it again. Two in a
        // row mean the ends disagree about something: resynchronise.
        if (silences >= 2 && !resyncing) await this.resync();
        return await attempt();
      } catch (e) {
        if (this.link.isClosed || (e instanceof V2StatusError && !LINK_STATUSES.has(e.status))) throw e;
        lastError = e;
        const damaged = e instanceof V2DamagedReplyError || e instanceof V2StatusError;
        silences = damaged ? 0 : silences + 1;
        onDamage();
      }
    }
    throw lastError;
  }

  async listChannels(): Promise<ChannelEntry[]> {
    const channels = payloads.channelList.decode(await this.call(Opcode.CHANNEL_LIST, 0));
    if (this.info) this.info.channels = channels;
    return channels;
  }

  /** A channel's id by name (the omvd channels are registered at run time, so ids differ between cameras). */
  channelId(name: string): number | undefined {
    return this.camera.channels.find((c) => c.name === name)?.id;
  }

  async size(chan: number): Promise<number> {
    return payloads.channelSize.decode(await this.call(Opcode.CHANNEL_SIZE, chan));
  }

  async shape(chan: number): Promise<number[]> {
    return payloads.shape.decode(await this.call(Opcode.CHANNEL_SHAPE, chan));
  }

  /** Channels with something new (CHANNEL_POLL), as ids. */
  async poll(): Promise<number[]> {
    return payloads.pollMask.decode(await this.call(Opcode.CHANNEL_POLL, 0));
  }

  /** `length` bytes from `offset`; the reply must be exactly that long. */
  async read(chan: number, offset: number, length: number): Promise<Uint8Array> {
    const data = await this.call(Opcode.CHANNEL_READ, chan, payloads.readRequest.encode({ offset, length }));
    if (data.length !== length) throw new V2ProtocolError(`channel ${chan} answered a ${length}-byte read at ${offset} with ${data.length} bytes`);
    return data;
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

  /** Runs a script through the stdin channel (firmware 5.x), replacing whatever runs now. */
  async runScript(source: string): Promise<void> {
    await this.ioctl(ChannelId.STDIN, StdinIoctl.RESET);
    await this.write(ChannelId.STDIN, 0, new TextEncoder().encode(source));
    await this.ioctl(ChannelId.STDIN, StdinIoctl.EXEC);
  }

  async stopScript(): Promise<void> {
    await this.ioctl(ChannelId.STDIN, StdinIoctl.STOP);
  }

  /** What the running script printed since the last call (the stdout channel's ring). */
  async readStdout(): Promise<string> {
    const n = await this.size(ChannelId.STDOUT);
    return n === 0 ? '' : new TextDecoder().decode(await this.read(ChannelId.STDOUT, 0, n));
  }
}
