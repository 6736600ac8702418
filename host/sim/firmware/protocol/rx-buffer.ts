import { SYNC_WORD } from '../../../../protocol/v2/index.js';

/**
 * common/omv_buffer.h: the protocol's contiguous receive buffer. Packets are parsed in place, so the bytes stay
 * in `raw` after they are consumed until new data overwrites them (the firmware reads a short request's missing
 * fields from there, and so does this emulation). A claim that does not fit at the end moves the unread bytes
 * to the start.
 */
export class RxBuffer {
  readonly raw: Uint8Array;
  private readPos = 0;
  private writePos = 0;
  private used = 0;

  constructor(size: number) {
    this.raw = new Uint8Array(size);
  }

  /** Offset in `raw` of the first unread byte. */
  get start(): number {
    return this.readPos;
  }

  avail(): number {
    return this.used;
  }

  free(): number {
    return this.raw.length - this.used;
  }

  clear(): void {
    this.readPos = 0;
    this.writePos = 0;
    this.used = 0;
  }

  peek16(): number {
    return (this.raw[this.readPos] as number) | ((this.raw[this.readPos + 1] as number) << 8);
  }

  consume(n: number): void {
    this.readPos += n;
    this.used -= n;
    if (this.used === 0) {
      this.readPos = 0;
      this.writePos = 0;
    }
  }

  /** Where `n` bytes may be written, compacting first if needed; -1 when they do not fit at all. */
  claim(n: number): number {
    if (this.used + n > this.raw.length) return -1;
    if (this.raw.length - this.writePos < n && this.used > 0) {
      this.raw.copyWithin(0, this.readPos, this.readPos + this.used);
      this.readPos = 0;
      this.writePos = this.used;
    }
    return this.writePos;
  }

  commit(n: number): void {
    this.writePos += n;
    this.used += n;
  }

  /** Reads memory like the C pointer arithmetic would; past the end of the buffer reads as zero. */
  u8(at: number): number {
    return this.raw[at] ?? 0;
  }

  u16(at: number): number {
    return this.u8(at) | (this.u8(at + 1) << 8);
  }

  u32(at: number): number {
    return (this.u8(at) | (this.u8(at + 1) << 8) | (this.u8(at + 2) << 16) | (this.u8(at + 3) << 24)) >>> 0;
  }

  /** A copy of `n` bytes of memory from `at`; what lies past the buffer reads as zeros. */
  bytes(at: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    out.set(this.raw.subarray(Math.min(at, this.raw.length), Math.min(at + n, this.raw.length)));
    return out;
  }

  hasSyncAt(at: number): boolean {
    return this.u16(at) === SYNC_WORD;
  }
}

/** The USB CDC receive FIFO: what the host sent that the protocol buffer has not taken yet. */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0;
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes.slice());
    this.total += bytes.length;
  }

  /** Moves up to `n` bytes into `into` at `at`; returns how many. */
  take(into: Uint8Array, at: number, n: number): number {
    let done = 0;
    while (done < n && this.chunks.length > 0) {
      const chunk = this.chunks[0] as Uint8Array;
      const k = Math.min(n - done, chunk.length - this.head);
      into.set(chunk.subarray(this.head, this.head + k), at + done);
      done += k;
      this.head += k;
      if (this.head === chunk.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.total -= done;
    return done;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.total = 0;
  }
}
