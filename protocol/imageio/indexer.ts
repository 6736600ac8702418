import { ImageIoFormatError } from './errors.js';
import { headerSize, MAGIC_SIZE, parseMagic, V2_HEADER_SIZE, type ImageIoVersion } from './format.js';
import { decodeRecordHeader, type FrameEntry } from './record.js';

export type { FrameEntry } from './record.js';
/** Why indexing stopped: the offending magic or record header, and a message saying what the user can do. */
export type IndexError = ImageIoFormatError;

export type TailReason = 'magic cut' | 'header cut' | 'data cut' | 'padding cut';

/**
 * What is missing at the end of the bytes seen, unless they end exactly at a record boundary after the magic:
 * `offset` = completeBytes, `have` = bytes present from there (0 for an empty file or a frame whose padding has
 * not started), `need` = bytes missing until the part is whole: the magic, the header (the data length is unknown
 * until it is whole), the record up to its padded end, or the padding of a frame whose data is complete.
 */
export interface Tail {
  offset: number;
  have: number;
  need: number;
  reason: TailReason;
}

type Phase = 'magic' | 'header' | 'data' | 'padding' | 'failed';

/**
 * Indexes an ImageIO FILE stream from its bytes, pushed in order in chunks of any size. Keeps record headers only,
 * never frame data (constant memory besides `frames`), and carries on where it stopped when the file grows.
 *
 * A frame is complete, and listed in `frames`, once its header and data are there; its padding carries nothing.
 * A malformed magic or record stops indexing for good: `error` says where, every frame before it stays listed,
 * and later bytes are counted in `bytesSeen` but ignored.
 */
export class ImageIoIndexer {
  version: ImageIoVersion | undefined;
  readonly frames: FrameEntry[] = [];
  error: IndexError | undefined;
  /** Total bytes pushed so far (the file offset the next chunk starts at). */
  bytesSeen = 0;
  private done = 0;
  private phase: Phase = 'magic';
  private readonly head = new Uint8Array(V2_HEADER_SIZE);
  private fill = 0;
  private partEnd = 0;
  private current: FrameEntry | undefined;

  /**
   * File offset up to which every byte belongs to the magic, a complete record, or a complete frame's data (whose
   * padding may still be cut). With no error, completeBytes + (tail()?.have ?? 0) === bytesSeen.
   */
  get completeBytes(): number {
    return this.done;
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && this.phase !== 'failed') {
      if (this.phase === 'magic' || this.phase === 'header') {
        const size = this.phase === 'magic' ? MAGIC_SIZE : headerSize(this.version as ImageIoVersion);
        const n = Math.min(size - this.fill, chunk.length - at);
        this.head.set(chunk.subarray(at, at + n), this.fill);
        this.fill += n;
        at += n;
        this.bytesSeen += n;
        if (this.phase === 'magic') this.guard(() => this.onMagic());
        else if (this.fill === size) this.guard(() => this.onHeader());
      } else {
        const n = Math.min(this.partEnd - this.bytesSeen, chunk.length - at);
        at += n;
        this.bytesSeen += n;
        if (this.bytesSeen === this.partEnd) this.finishPart();
      }
    }
    this.bytesSeen += chunk.length - at;
  }

  tail(): Tail | undefined {
    const have = this.bytesSeen - this.done;
    if (this.phase === 'failed' || (this.phase === 'header' && have === 0)) return undefined;
    const tail = (need: number, reason: TailReason): Tail => ({ offset: this.done, have, need, reason });
    switch (this.phase) {
      case 'magic':
        return tail(MAGIC_SIZE - have, 'magic cut');
      case 'header':
        return tail(headerSize(this.version as ImageIoVersion) - have, 'header cut');
      case 'data':
        return tail((this.current as FrameEntry).paddedEnd - this.bytesSeen, 'data cut');
      case 'padding':
        return tail(this.partEnd - this.bytesSeen, 'padding cut');
    }
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      if (!(err instanceof ImageIoFormatError)) throw err;
      this.error = err;
      this.phase = 'failed';
    }
  }

  private onMagic(): void {
    this.version = parseMagic(this.head.subarray(0, this.fill));
    if (this.version === undefined) return;
    this.fill = 0;
    this.done = MAGIC_SIZE;
    this.phase = 'header';
  }

  private onHeader(): void {
    const version = this.version as ImageIoVersion;
    const frame = decodeRecordHeader(this.head.subarray(0, headerSize(version)), version, this.done, this.frames.length);
    this.fill = 0;
    this.current = frame;
    this.phase = 'data';
    this.partEnd = frame.dataOffset + frame.dataLength;
    if (this.bytesSeen === this.partEnd) this.finishPart();
  }

  private finishPart(): void {
    const frame = this.current as FrameEntry;
    if (this.phase === 'data') {
      this.frames.push(frame);
      this.done = this.partEnd;
      this.phase = 'padding';
      this.partEnd = frame.paddedEnd;
      if (this.bytesSeen < this.partEnd) return;
    }
    this.done = frame.paddedEnd;
    this.phase = 'header';
    this.current = undefined;
  }
}

export interface ParsedImageIo {
  version: ImageIoVersion | undefined;
  frames: FrameEntry[];
  completeBytes: number;
  tail: Tail | undefined;
  error: IndexError | undefined;
}

/** Indexes a whole in-memory file. */
export function parseImageIo(bytes: Uint8Array): ParsedImageIo {
  const ix = new ImageIoIndexer();
  ix.push(bytes);
  return { version: ix.version, frames: ix.frames, completeBytes: ix.completeBytes, tail: ix.tail(), error: ix.error };
}

/** The stored pixel bytes of `frame` within the whole file's bytes (a view, no copy). */
export function frameData(file: Uint8Array, frame: FrameEntry): Uint8Array {
  const end = frame.dataOffset + frame.dataLength;
  if (end > file.length) throw new RangeError(`frame ${frame.index} ends at byte ${end}, past the ${file.length} bytes given`);
  return file.subarray(frame.dataOffset, end);
}

/**
 * Milliseconds since the ImageIO object was created at each frame: the running sum of the elapsed-ms fields (each
 * is the time since the previous write; the first, since construction). ImageIO stores no absolute time.
 */
export function frameTimesMs(frames: readonly FrameEntry[]): number[] {
  let t = 0;
  return frames.map((f) => (t += f.elapsedMs));
}
