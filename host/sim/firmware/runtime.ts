import type { MessagePort } from 'node:worker_threads';
import { MailboxReceiver } from '../mailbox.js';
import { concatBytes } from '../../bytes.js';

/** Messages the virtual camera's main thread sends into the firmware thread. */
export type ToFirmware =
  | { t: 'rx'; data: Uint8Array }
  | { t: 'frame'; config: number; data: Uint8Array }
  | { t: 'stop' };

/** Messages the firmware thread sends out. */
export type FromFirmware =
  | { t: 'tx'; data: Uint8Array }
  | { t: 'sensor'; config: number; pixformat: number; width: number; height: number }
  | { t: 'took'; config: number }
  | { t: 'log'; line: string }
  | { t: 'ready' }
  | { t: 'exit'; error?: string };

/**
 * How far (in link time) the camera's writes may run ahead of the emulated USB link before a write waits: the
 * endpoint's buffer, made wide enough that this thread waking late from that wait does not leave the link idle.
 */
const USB_FIFO_MS = 10;

export interface SensorConfig {
  id: number;
  pixformat: number;
  width: number;
  height: number;
  fps: number;
}

/**
 * The firmware thread's view of the world: host bytes in, host bytes out, frames from the scene generator, and
 * the wall clock. Everything that waits goes through `idle`, which keeps serving the link while it waits, as the
 * camera's protocol task does between a script's bytecodes.
 */
export class FirmwareRuntime {
  private readonly mailbox: MailboxReceiver<ToFirmware>;
  private rx: Uint8Array[] = [];
  private rxBytes = 0;
  private frames: Uint8Array[] = [];
  stopping = false;
  sensor: SensorConfig;
  private nextDue = 0;
  /** Serves the link once; set by whoever runs the protocol (native module emulation or nothing). */
  service: () => void = () => {};

  /** The sensor's own rate: what it runs at when no rate is set (set_framerate(0), or after a reset). */
  private readonly nativeFps: number;
  /** When the emulated USB link will have carried everything handed to it so far, on now()'s clock. */
  private linkFreeAt = 0;
  private readonly msPerByte: number;
  private readonly nap = new Int32Array(new SharedArrayBuffer(4));

  /** `linkBytesPerS`: what the board's USB carries, both directions together (boards.ts). */
  constructor(port: MessagePort, signal: SharedArrayBuffer, private readonly send: (m: FromFirmware) => void, defaultFps: number, linkBytesPerS: number) {
    this.mailbox = new MailboxReceiver(port, new Int32Array(signal));
    this.sensor = { id: 0, pixformat: 0x08020001, width: 320, height: 240, fps: defaultFps };
    this.nativeFps = defaultFps;
    this.msPerByte = 1000 / linkBytesPerS;
  }


  now(): number {
    return performance.now();
  }

  drain(): void {
    this.mailbox.drain((m) => {
      if (m.t === 'rx') {
        this.rx.push(m.data);
        this.rxBytes += m.data.length;
        this.carry(m.data.length);
      } else if (m.t === 'frame') {
        if (m.config === this.sensor.id) this.frames.push(m.data);
      } else this.stopping = true;
    });
  }

  /** Sleeps until host bytes (or anything else) arrive or `ms` pass, without serving the link. */
  waitForInput(ms: number): void {
    this.mailbox.wait(ms);
    this.drain();
  }

  /** Host bytes received so far, oldest first (consumed). */
  takeRx(): Uint8Array | null {
    this.drain();
    if (this.rx.length === 0) return null;
    const chunk = this.rx.length === 1 ? this.rx[0]! : concatBytes(this.rx);
    this.rx = [];
    this.rxBytes = 0;
    return chunk;
  }

  /** Up to `into.length` host bytes, for a byte-stream link (the pure-MicroPython protocol). */
  readRx(into: Uint8Array): number {
    this.drain();
    let n = 0;
    while (n < into.length && this.rx.length > 0) {
      const head = this.rx[0]!;
      const take = Math.min(head.length, into.length - n);
      into.set(head.subarray(0, take), n);
      n += take;
      if (take === head.length) this.rx.shift();
      else this.rx[0] = head.subarray(take);
    }
    this.rxBytes -= n;
    return n;
  }

  rxAvailable(): number {
    this.drain();
    return this.rxBytes;
  }

  /**
   * To the host, at the board's USB rate: bytes leave at once, but a sender that gets more than the endpoint's
   * buffer ahead of the link waits for it, as the firmware's USB write blocks on a full FIFO.
   */
  tx(data: Uint8Array): void {
    this.carry(data.length);
    this.send({ t: 'tx', data });
    const ahead = this.linkFreeAt - this.now() - USB_FIFO_MS;
    if (ahead > 0) Atomics.wait(this.nap, 0, 0, ahead);
  }

  /** Books `n` bytes on the link, which is shared by both directions (USB is one bus, host-scheduled). */
  private carry(n: number): void {
    this.linkFreeAt = Math.max(this.linkFreeAt, this.now()) + n * this.msPerByte;
  }

  log(line: string): void {
    this.send({ t: 'log', line });
  }

  /** Serves the link until `done()` or `ms` have passed; false if the camera is stopping. */
  idle(ms: number, done: () => boolean = () => false): boolean {
    const until = this.now() + ms;
    for (;;) {
      this.drain();
      this.service();
      if (this.stopping) return false;
      if (done()) return true;
      const left = until - this.now();
      if (left <= 0) return true;
      this.mailbox.wait(Math.min(left, 20));
    }
  }

  configureSensor(pixformat: number, width: number, height: number, fps: number): void {
    const id = this.sensor.id + 1;
    this.sensor = { id, pixformat, width, height, fps: fps > 0 ? fps : this.nativeFps };
    this.frames = [];
    this.nextDue = 0;
    this.send({ t: 'sensor', config: id, pixformat, width, height });
  }

  /**
   * The next frame on the sensor's free-running clock: frames are due every 1000/fps ms; a script slower than the
   * sensor gets the newest due frame, as a real sensor overwrites frames nobody took. Null if stopping.
   */
  snapshot(): Uint8Array | null {
    const period = 1000 / this.sensor.fps;
    const now = this.now();
    if (this.nextDue === 0 || this.nextDue < now - period) this.nextDue = now;
    if (!this.idle(Number.POSITIVE_INFINITY, () => this.now() >= this.nextDue && this.frames.length > 0)) return null;
    this.nextDue += period;
    const frame = this.frames.shift()!;
    this.send({ t: 'took', config: this.sensor.id });
    return frame;
  }
}
