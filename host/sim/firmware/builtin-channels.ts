import { ChannelFlag, StdinIoctl, StreamIoctl, payloads } from '../../../protocol/v2/index.js';
import { frameDataSize } from '../../../protocol/imageio/pixformat.js';
import type { DeviceChannel } from './v2-device.js';

/** protocol/omv_protocol_channel_stdio.c: the host writes a script (offset 0 starts a new one), then EXEC runs it. */
export class StdinChannel implements DeviceChannel {
  readonly name = 'stdin';
  readonly flags = ChannelFlag.WRITE | ChannelFlag.EXEC;
  private script: Uint8Array[] = [];
  running = false;

  constructor(private readonly hooks: { onExec(script: Uint8Array): void; onStop(): void }) {}

  poll(): boolean {
    return this.running;
  }

  write(offset: number, data: Uint8Array): number {
    if (offset === 0) this.script = [];
    this.script.push(data.slice());
    return data.length;
  }

  ioctl(request: number): number {
    if (request === StdinIoctl.STOP) this.hooks.onStop();
    else if (request === StdinIoctl.EXEC) {
      if (this.script.length === 0) return -1;
      this.hooks.onExec(Buffer.concat(this.script));
      this.script = [];
    } else if (request === StdinIoctl.RESET) this.script = [];
    else return -1;
    return 0;
  }
}

const STDOUT_RING = 1024;
const FLUSH_MS = 50;

/** The stdout ring: 1 KiB, keeps the tail on overflow, NOTIFY past half full and every 50 ms while not empty. */
export class StdoutChannel implements DeviceChannel {
  readonly name = 'stdout';
  readonly flags = ChannelFlag.READ;
  private ring = new Uint8Array(0);
  private notified = false;
  private lastNotify = 0;

  constructor(private readonly notify: () => void, private readonly now: () => number) {}

  print(bytes: Uint8Array): void {
    const cap = STDOUT_RING - 1;
    if (this.ring.length + bytes.length <= cap) this.ring = Buffer.concat([this.ring, bytes]);
    else {
      this.ring = bytes.slice(Math.max(0, bytes.length - cap));
      this.notified = false;
    }
    if (!this.notified && this.ring.length > STDOUT_RING / 2) {
      this.notified = true;
      this.lastNotify = this.now();
      this.notify();
    }
  }

  poll(): boolean {
    return this.ring.length > 0;
  }

  size(): number {
    return this.ring.length;
  }

  read(_offset: number, size: number): Uint8Array | null {
    const n = Math.min(size, this.ring.length);
    const out = this.ring.slice(0, n);
    this.ring = this.ring.slice(n);
    this.notified = false;
    return out;
  }

  tick(): void {
    if (this.ring.length > 0 && this.now() - this.lastNotify >= FLUSH_MS) {
      this.lastNotify = this.now();
      this.notify();
    }
  }
}

/** The stream channel: the newest frame with its 20-byte header, while streaming is on and the host holds no lock. */
export class StreamChannel implements DeviceChannel {
  readonly name = 'stream';
  readonly flags = ChannelFlag.READ | ChannelFlag.LOCK | ChannelFlag.STREAM;
  private enabled = true;
  private locked = false;
  private frame: Uint8Array | null = null;
  private shapeWords: number[] = [];

  offerFrame(width: number, height: number, pixformat: number, data: Uint8Array): void {
    if (!this.enabled || this.locked) return;
    const compressed = (pixformat >>> 16) & 0xff;
    const isCompressed = compressed === 6 || compressed === 7;
    const bpp = isCompressed ? 0 : frameDataSize(width, height, pixformat) / (width * height);
    const header = payloads.streamHeader.encode({ width, height, pixformat, size: isCompressed ? data.length : bpp, offset: payloads.STREAM_HEADER_FIELDS_SIZE, fps: 0 });
    this.frame = Buffer.concat([header, data]);
    this.shapeWords = isCompressed ? [data.length] : [width, height, bpp];
  }

  poll(): boolean {
    return this.size() !== 0;
  }

  size(): number {
    return this.frame?.length ?? 0;
  }

  shape(): number[] {
    return this.shapeWords;
  }

  lock(): boolean {
    if (!this.frame || this.locked) return false;
    this.locked = true;
    return true;
  }

  unlock(): boolean {
    if (this.locked) {
      this.frame = null;
      this.locked = false;
    }
    return true;
  }

  readp(offset: number, size: number): Uint8Array | null {
    if (!this.frame || offset + size > this.frame.length) return null;
    return this.frame.subarray(offset, offset + size);
  }

  ioctl(request: number, arg: Uint8Array | null): number {
    const word = (i: number): number => (arg && arg.length >= 4 * (i + 1) ? new DataView(arg.buffer, arg.byteOffset).getUint32(4 * i, true) : 0);
    if (request === StreamIoctl.CTRL) {
      this.enabled = word(0) !== 0;
      this.locked = false;
      this.frame = null;
      return 0;
    }
    return request === StreamIoctl.RAW_CTRL || request === StreamIoctl.RAW_CFG || request === StreamIoctl.SOURCE ? 0 : -1;
  }
}

