import { ChannelFlag, ChannelId, StdinIoctl, SysEvent } from '../../../../protocol/v2/index.js';
import type { ChannelHost, DeviceChannel } from './types.js';

/** What the stdin channel asks of the interpreter around it. */
export interface StdinHooks {
  /**
   * A STOP ioctl, or an EXEC ioctl with a script buffered, while the interrupt char is set: the firmware schedules
   * a VM abort and a KeyboardInterrupt, which ends the running script or leaves the REPL; its main loop then calls
   * omv_protocol_exec_script (ProtocolDevice.execScript), which runs the buffered script if there is one.
   */
  onStop(reason: 'stop' | 'exec'): void;
  /** pyexec_vstr: runs the script to its end (exceptions are the caller's to print). Called by exec(). */
  onExec(script: Uint8Array): void;
}

/** vstr_init(&vstrbuf, 2048). */
const INITIAL_SCRIPT_CAPACITY = 2048;
/** Stands in for the MicroPython heap: vstr_add_len past it raises MemoryError. */
const DEFAULT_MAX_SCRIPT = 1 << 20;

/**
 * Channel 1, "stdin" (protocol/omv_protocol_channel_stdio.c): writes accumulate a script (offset 0 starts it
 * over; other offsets are ignored, the data is appended); poll() is the script-running flag; ioctls STOP, EXEC
 * (which only clears the way: the main loop runs the script through exec()) and RESET.
 */
export class StdinChannel implements DeviceChannel {
  readonly name = 'stdin';
  readonly flags = ChannelFlag.WRITE | ChannelFlag.EXEC;
  /** mp_interrupt_char != -1: STOP and EXEC interrupt only while it is set (the firmware sets Ctrl-C before the REPL). */
  interruptEnabled = true;
  private running = false;
  private script = new Uint8Array(INITIAL_SCRIPT_CAPACITY);
  private length = 0;

  constructor(
    private readonly host: ChannelHost,
    private readonly hooks: StdinHooks,
    private readonly maxScript = DEFAULT_MAX_SCRIPT,
  ) {}

  /** The buffered script's length. */
  get scriptLength(): number {
    return this.length;
  }

  get scriptRunning(): boolean {
    return this.running;
  }

  init(): boolean {
    this.running = false;
    this.length = 0;
    return true;
  }

  poll(): boolean {
    return this.running;
  }

  /**
   * stdio_channel_pyexec_hook, run before and after every Python execution (boot.py, main.py, a script, each REPL
   * line): sets the running flag and sends CHANNEL_EVENT on stdin with code 1 (running) or 0 (stopped).
   */
  setScriptRunning(running: boolean): void {
    this.running = running;
    this.host.sendEvent(ChannelId.STDIN, running ? 1 : 0, false);
  }

  /** Returns the byte count, or -1 when the heap is exhausted, which the protocol also answers with an ACK. */
  write(offset: number, data: Uint8Array): number {
    if (offset === 0) this.length = 0;
    if (this.length + data.length > this.maxScript) return -1;
    if (this.length + data.length > this.script.length) {
      const bigger = new Uint8Array(Math.min(this.maxScript, Math.max(this.script.length * 2, this.length + data.length)));
      bigger.set(this.script.subarray(0, this.length));
      this.script = bigger;
    }
    this.script.set(data, this.length);
    this.length += data.length;
    return data.length;
  }

  ioctl(request: number): number {
    switch (request) {
      case StdinIoctl.STOP:
        if (this.interruptEnabled) this.hooks.onStop('stop');
        return 0;
      case StdinIoctl.EXEC:
        if (!this.length) return -1;
        if (this.interruptEnabled) this.hooks.onStop('exec');
        return 0;
      case StdinIoctl.RESET:
        this.length = 0;
        return 0;
      default:
        return -1;
    }
  }

  /**
   * stdin_channel_exec: runs the buffered script, then empties the buffer (so a script the host wrote while this
   * one ran is lost, as on the camera). false when nothing is buffered.
   */
  exec(): boolean {
    if (!this.length) return false;
    try {
      this.hooks.onExec(this.script.slice(0, this.length));
    } finally {
      this.length = 0;
    }
    return true;
  }
}

/** OMV_PROTOCOL_STDIO_BUFFER_SIZE: 1024 by default; 512 on the OpenMV Cam H7 (OPENMV4). */
export const DEFAULT_STDIO_BUFFER_SIZE = 1024;
/** OMV_PROTOCOL_STDIO_FLUSH_MS. */
export const STDIO_FLUSH_MS = 50;

/**
 * Channel 2, "stdout": a MicroPython ringbuf of `bufferSize` bytes (holding one less) that the interpreter's
 * output goes to while the protocol is active. Overflow keeps only the tail of the new text. A NOTIFY channel
 * event goes out once when the ring passes half full (re-armed by a read or an overflow), and tick() sends one
 * every 50 ms while anything is waiting.
 */
export class StdoutChannel implements DeviceChannel {
  readonly name = 'stdout';
  readonly flags = ChannelFlag.READ;
  private readonly ring: Uint8Array;
  private iget = 0;
  private iput = 0;
  private notified = false;
  private lastNotifyMs = 0;

  constructor(
    private readonly host: ChannelHost,
    bufferSize = DEFAULT_STDIO_BUFFER_SIZE,
  ) {
    if (!Number.isInteger(bufferSize) || bufferSize < 2) throw new RangeError(`stdout ring size must be an integer of at least 2, got ${bufferSize}`);
    this.ring = new Uint8Array(bufferSize);
  }

  /** Bytes waiting (ringbuf_avail). */
  get available(): number {
    return (this.iput - this.iget + this.ring.length) % this.ring.length;
  }

  /** Keeps what was printed before (the ring is set up once, not at every init). */
  init(): boolean {
    this.lastNotifyMs = 0;
    return true;
  }

  poll(): boolean {
    return this.available !== 0;
  }

  size(): number {
    return this.available;
  }

  /** Takes up to `size` bytes, whatever the offset; empty (so the protocol answers FAILED) when nothing waits. */
  read(_offset: number, size: number): Uint8Array {
    const n = Math.min(size, this.available);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.ring[this.iget] as number;
      this.iget = (this.iget + 1) % this.ring.length;
    }
    this.notified = false;
    return out;
  }

  /**
   * __wrap_mp_hal_stdout_tx_strn: the interpreter's output. When it does not fit, the ring is emptied and only
   * the last size-1 bytes of `text` are kept (what was waiting is dropped). false, and nothing stored, when the
   * protocol is not active (the firmware then writes to the ordinary REPL stdout).
   */
  print(text: Uint8Array): boolean {
    if (!this.host.isActive()) return false;
    const capacity = this.ring.length - 1;
    if (text.length <= capacity - this.available) this.put(text);
    else {
      this.iget = 0;
      this.iput = 0;
      this.put(text.subarray(Math.max(0, text.length - capacity)));
      this.notified = false;
    }
    if (!this.notified && this.available > this.ring.length / 2) {
      this.notified = true;
      this.lastNotifyMs = this.host.now();
      this.host.sendEvent(ChannelId.STDOUT, SysEvent.NOTIFY, false);
    }
    return true;
  }

  tick(): void {
    const now = this.host.now();
    if (this.available && ((now - this.lastNotifyMs) >>> 0) >= STDIO_FLUSH_MS) {
      this.lastNotifyMs = now;
      this.host.sendEvent(ChannelId.STDOUT, SysEvent.NOTIFY, false);
    }
  }

  private put(bytes: Uint8Array): void {
    for (const b of bytes) {
      this.ring[this.iput] = b;
      this.iput = (this.iput + 1) % this.ring.length;
    }
  }
}
