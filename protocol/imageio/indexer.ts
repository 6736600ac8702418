import { headerSize, MAGIC_SIZE, MAX_DIMENSION, maxCompressedSize, padding, parseMagic, type ImageIoVersion } from './format.js';
import { decodePixformat, frameDataSize, isValidPixformat, LegacyBpp, Pixformat, pixformatFromLegacyBpp } from './pixformat.js';

export interface FrameEntry {
  index: number;
  headerOffset: number;
  dataOffset: number;
  /** Bytes of pixel data: computed for raw formats (their size field is 0 or stale), the size field for JPEG/PNG. */
  dataLength: number;
  /** Where the next record starts: data end rounded up to 16. */
  paddedEnd: number;
  elapsedMs: number;
  width: number;
  height: number;
  /** V2 pixformat word, also for V1 files (their bpp codes are mapped). */
  pixformat: number;
  /** The stored size (V2) or bpp (V1) field, as written. */
  sizeField: number;
  /** V1.0 stored RGB565 big-endian: callers must swap each 16-bit word. */
  byteSwapped: boolean;
}

export type TailReason = 'magic cut' | 'header cut' | 'data cut' | 'padding cut';

/** Bytes after the last complete record that do not (yet) make a complete one. */
export interface Tail {
  offset: number;
  have: number;
  need: number;
  reason: TailReason;
}

export interface IndexError {
  offset: number;
  message: string;
}

type State = 'magic' | 'header' | 'data' | 'pad' | 'error';

/**
 * Indexes an ImageIO FILE stream from its bytes, fed in order in chunks of any size. Keeps only record headers,
 * never frame data, and continues where it stopped when the file grows. A malformed record stops indexing
 * (`error`) but keeps every frame before it; a cut tail is described by `tail()`.
 */
export class ImageIoIndexer {
  version: ImageIoVersion | undefined;
  readonly frames: FrameEntry[] = [];
  error: IndexError | undefined;
  /** Total bytes pushed so far. */
  bytesSeen = 0;
  private state: State = 'magic';
  private readonly head = new Uint8Array(32);
  private headFill = 0;
  private recordStart = 0;
  private remaining = 0;
  private pending: FrameEntry | undefined;

  /** File offset up to which every byte belongs to the magic or a complete record. */
  get completeBytes(): number {
    if (this.state === 'magic') return 0;
    return this.state === 'error' ? this.recordStart : this.state === 'header' ? this.bytesSeen - this.headFill : this.recordStart;
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && this.state !== 'error') {
      if (this.state === 'magic' || this.state === 'header') {
        const need = this.state === 'magic' ? MAGIC_SIZE : headerSize(this.version as ImageIoVersion);
        const n = Math.min(need - this.headFill, chunk.length - at);
        this.head.set(chunk.subarray(at, at + n), this.headFill);
        this.headFill += n;
        at += n;
        this.bytesSeen += n;
        if (this.headFill === need) {
          this.headFill = 0;
          if (this.state === 'magic') this.onMagic();
          else this.onHeader(this.bytesSeen - need);
        }
      } else {
        const n = Math.min(this.remaining, chunk.length - at);
        this.remaining -= n;
        at += n;
        this.bytesSeen += n;
        if (this.remaining === 0) this.advance();
      }
    }
    this.bytesSeen += chunk.length - at;
  }

  tail(): Tail | undefined {
    const seen = this.bytesSeen;
    switch (this.state) {
      case 'magic':
        return { offset: 0, have: seen, need: MAGIC_SIZE - seen, reason: 'magic cut' };
      case 'header':
        return this.headFill ? { offset: seen - this.headFill, have: this.headFill, need: headerSize(this.version as ImageIoVersion) - this.headFill, reason: 'header cut' } : undefined;
      case 'data':
      case 'pad': {
        const frame = this.pending as FrameEntry;
        return { offset: this.recordStart, have: seen - this.recordStart, need: frame.paddedEnd - seen, reason: this.state === 'data' ? 'data cut' : 'padding cut' };
      }
      case 'error':
        return undefined;
    }
  }

  private onMagic(): void {
    const version = parseMagic(this.head);
    if (version === undefined) {
      const text = String.fromCharCode(...this.head.subarray(0, MAGIC_SIZE)).replace(/[^\x20-\x7e]/g, '?');
      return this.fail(0, `not an OpenMV ImageIO stream (magic "${text}"; expected "OMV IMG STR V1.0", "V1.1" or "V2.0")`);
    }
    this.version = version;
    this.state = 'header';
  }

  private onHeader(offset: number): void {
    const v = new DataView(this.head.buffer);
    const elapsedMs = v.getUint32(0, true);
    const width = v.getUint32(4, true);
    const height = v.getUint32(8, true);
    const code = v.getUint32(12, true);
    const version = this.version as ImageIoVersion;
    if (width < 1 || width > MAX_DIMENSION || height < 1 || height > MAX_DIMENSION) {
      return this.fail(offset, `frame ${this.frames.length} at byte ${offset}: implausible size ${width}×${height}`);
    }
    let pixformat: number;
    let sizeField: number;
    let dataLength: number;
    if (version === 20) {
      if (!isValidPixformat(code)) return this.fail(offset, `frame ${this.frames.length} at byte ${offset}: invalid pixformat 0x${code.toString(16)}`);
      pixformat = code;
      sizeField = v.getUint32(16, true);
      dataLength = decodePixformat(code).compressed ? sizeField : frameDataSize(width, height, code);
    } else {
      pixformat = pixformatFromLegacyBpp(code);
      sizeField = code;
      dataLength = code >= LegacyBpp.JPEG_MIN ? code : frameDataSize(width, height, pixformat);
    }
    if (decodePixformat(pixformat).compressed && dataLength > maxCompressedSize(width, height)) {
      return this.fail(offset, `frame ${this.frames.length} at byte ${offset}: compressed size ${dataLength} is implausible for ${width}×${height}`);
    }
    const dataOffset = offset + headerSize(version);
    this.recordStart = offset;
    this.pending = {
      index: this.frames.length,
      headerOffset: offset,
      dataOffset,
      dataLength,
      paddedEnd: dataOffset + dataLength + padding(dataLength),
      elapsedMs,
      width,
      height,
      pixformat,
      sizeField,
      byteSwapped: version === 10 && pixformat === Pixformat.RGB565,
    };
    this.state = 'data';
    this.remaining = dataLength;
    if (dataLength === 0) this.advance();
  }

  private advance(): void {
    const frame = this.pending as FrameEntry;
    if (this.state === 'data') {
      this.frames.push(frame);
      this.state = 'pad';
      this.remaining = frame.paddedEnd - frame.dataOffset - frame.dataLength;
      if (this.remaining > 0) return;
    }
    this.state = 'header';
    this.recordStart = frame.paddedEnd;
    this.pending = undefined;
  }

  private fail(offset: number, message: string): void {
    this.error = { offset, message };
    this.recordStart = offset;
    this.state = 'error';
  }
}

export interface ParsedImageIo {
  version: ImageIoVersion | undefined;
  frames: FrameEntry[];
  tail: Tail | undefined;
  error: IndexError | undefined;
}

/** Indexes a whole in-memory file. */
export function parseImageIo(bytes: Uint8Array): ParsedImageIo {
  const ix = new ImageIoIndexer();
  ix.push(bytes);
  return { version: ix.version, frames: ix.frames, tail: ix.tail(), error: ix.error };
}

/** The stored pixel bytes of `frame` within the whole file's bytes (no copy). */
export function frameData(file: Uint8Array, frame: FrameEntry): Uint8Array {
  if (frame.dataOffset + frame.dataLength > file.length) throw new RangeError(`frame ${frame.index} ends at byte ${frame.dataOffset + frame.dataLength}, past the ${file.length} bytes given`);
  return file.subarray(frame.dataOffset, frame.dataOffset + frame.dataLength);
}

/** Milliseconds since the stream was opened at each frame: the running sum of the elapsed-ms fields. */
export function frameTimesMs(frames: readonly FrameEntry[]): number[] {
  let t = 0;
  return frames.map((f) => (t += f.elapsedMs));
}

