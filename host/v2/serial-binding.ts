import { readSync, writeSync } from 'node:fs';
import { SerialPort } from 'serialport';

type Detected = typeof SerialPort.binding;
type OpenOptions = Parameters<Detected['open']>[0];
type Port = Awaited<ReturnType<Detected['open']>>;
type Poller = { once(event: 'readable' | 'writable', cb: (err: Error | null) => void): unknown; poll(events: number): void };
/** A Linux or macOS port: a non-blocking descriptor and serialport's poller on it. */
type UnixPort = Port & { fd: number | null; poller: Poller };

/** What serialport's stream needs from a read or write that ended because the port was closed. */
class Canceled extends Error {
  readonly canceled = true;
  constructor() {
    super('Port is not open');
  }
}

const RETRY = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

const READABLE = 1;
const WRITABLE = 2;

function fdOf(port: UnixPort): number {
  if (!port.isOpen || port.fd === null) throw new Canceled();
  return port.fd;
}

/**
 * serialport's port with its reads and writes done on the event loop: the descriptor is non-blocking, so once the
 * poller says it is ready a read or write returns at once. serialport's own ones go through libuv's thread pool and
 * try a read before polling, so every chunk from the camera cost a thread hop and, as often as not, a failed read:
 * the bulk of a sync's CPU (a tty hands over at most 4 KB per read). Everything else is serialport's.
 */
class EventLoopPort {
  private writing: Promise<void> = Promise.resolve();
  private waitingWritable = false;

  constructor(private readonly inner: UnixPort) {}

  /**
   * Until the poller fires for `event`. The poller watches only the events of its latest call, so a read's wait
   * started while a write waits asks for both again, or the write would never hear that the port drained.
   */
  private ready(event: 'readable' | 'writable'): Promise<void> {
    const fired = new Promise<void>((ok, fail) => this.inner.poller.once(event, (err) => (err ? fail(err) : ok())));
    if (event === 'readable' && this.waitingWritable) this.inner.poller.poll(READABLE | WRITABLE);
    return fired;
  }

  get openOptions() {
    return this.inner.openOptions;
  }

  get isOpen() {
    return this.inner.isOpen;
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    for (;;) {
      fdOf(this.inner);
      await this.ready('readable');
      let n: number;
      try {
        n = readSync(fdOf(this.inner), buffer, offset, length, null);
      } catch (err) {
        if (RETRY.has((err as NodeJS.ErrnoException).code ?? '')) continue;
        throw err; // anything else is a disconnection to serialport's stream, as with its own reads
      }
      // Readable with nothing to read: the tty was hung up (a USB camera unplugged).
      if (n === 0) throw Object.assign(new Error('the port hung up'), { disconnect: true });
      return { buffer, bytesRead: n };
    }
  }

  write(buffer: Buffer): Promise<void> {
    const op = (async () => {
      for (let at = 0; at < buffer.length; ) {
        try {
          at += writeSync(fdOf(this.inner), buffer, at, buffer.length - at);
        } catch (err) {
          if (!RETRY.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
          this.waitingWritable = true;
          try {
            await this.ready('writable');
          } finally {
            this.waitingWritable = false;
          }
        }
      }
    })();
    this.writing = op.catch(() => {}); // drain waits for it, whatever its end
    return op;
  }

  close() {
    return this.inner.close();
  }
  update(options: Parameters<Port['update']>[0]) {
    return this.inner.update(options);
  }
  set(options: Parameters<Port['set']>[0]) {
    return this.inner.set(options);
  }
  get() {
    return this.inner.get();
  }
  getBaudRate() {
    return this.inner.getBaudRate();
  }
  flush() {
    return this.inner.flush();
  }
  async drain() {
    await this.writing;
    return this.inner.drain();
  }
}

function isUnix(port: Port): port is UnixPort {
  return typeof (port as Partial<UnixPort>).fd === 'number' && typeof (port as Partial<UnixPort>).poller?.once === 'function';
}

/** The platform's serialport binding, with event-loop reads and writes where the port is a Unix descriptor. */
export const serialBinding = {
  list: () => SerialPort.binding.list(),
  async open(options: OpenOptions) {
    const port = await SerialPort.binding.open(options as never);
    return isUnix(port) ? (new EventLoopPort(port) as unknown as Port) : port;
  },
};
