import { FormatError, OmvError } from '../../../protocol/errors.js';
import { toJpeg, type RawFrame } from '../../pixels/index.js';
import { checkAviOptions, MjpegAviFile, type AviOptions } from './avi.js';
import { jpegSize } from './jpeg-size.js';

/** AVI 1.0 readers (VfW, DirectShow) stop at 1 GiB per RIFF: every file stays at or below this by default. */
export const DEFAULT_MAX_FILE_BYTES = 2 ** 30 - 1;
/** 32-bit offsets, signed in some readers. */
const MAX_FILE_BYTES = 2 ** 31 - 1;

export interface VideoSummary {
  /** Every published file, in order. */
  files: string[];
  frames: number;
}

/** Where part `n` of a rotated video goes: `out.avi`, then `out.001.avi`, `out.002.avi`, … (`out` → `out.001`). */
export function rotatedPath(path: string, part: number): string {
  if (part === 0) return path;
  const dot = path.toLowerCase().endsWith('.avi') ? path.length - 4 : path.length;
  return `${path.slice(0, dot)}.${String(part).padStart(3, '0')}${path.slice(dot)}`;
}

/**
 * An MJPEG AVI that continues in the next rotatedPath() before a file would pass `maxFileBytes` (counting its idx1),
 * so each file is a complete, playable AVI 1.0 of its own. Every file is written as .part and renamed when full or
 * on close().
 */
export class RotatingMjpegWriter {
  private file: MjpegAviFile | undefined;
  private readonly files: string[] = [];
  private frames = 0;
  private closed = false;
  private readonly maxFileBytes: number;

  constructor(
    readonly path: string,
    private options: AviOptions & { maxFileBytes?: number },
  ) {
    checkAviOptions(options);
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    const empty = MjpegAviFile.emptySize(options);
    if (!Number.isInteger(this.maxFileBytes) || this.maxFileBytes <= empty || this.maxFileBytes > MAX_FILE_BYTES) {
      throw new RangeError(`maxFileBytes must be an integer from ${empty + 1} to ${MAX_FILE_BYTES}, got ${this.maxFileBytes}`);
    }
  }

  get size(): { width: number; height: number } {
    return { width: this.options.width, height: this.options.height };
  }

  /** The frame rate the current file (and those after it) state, for frames whose rate is known only as they come. */
  setFps(fps: number): void {
    checkAviOptions({ ...this.options, fps });
    this.options = { ...this.options, fps };
    this.file?.setFps(fps);
  }

  async append(jpeg: Uint8Array): Promise<void> {
    if (this.closed) throw new OmvError('ECLOSED', `${this.path} is closed: open a new writer to add frames`);
    const cost = MjpegAviFile.frameCost(jpeg.length);
    if (MjpegAviFile.emptySize(this.options) + cost > this.maxFileBytes) {
      throw new OmvError('ETOOLARGE', `frame ${this.frames} of ${this.path} is a ${jpeg.length}-byte JPEG, which cannot fit in an AVI file of at most ${this.maxFileBytes} bytes: raise maxFileBytes`);
    }
    if (this.file && this.file.size + cost > this.maxFileBytes) await this.closeFile();
    this.file ??= await MjpegAviFile.create(rotatedPath(this.path, this.files.length), this.options);
    await this.file.appendJpeg(jpeg);
    this.frames++;
  }

  async close(): Promise<VideoSummary> {
    this.closed = true;
    await this.closeFile();
    return { files: [...this.files], frames: this.frames };
  }

  /** Stops without publishing the current file (its .part stays); files already rotated out stay published. */
  async abandon(): Promise<void> {
    this.closed = true;
    const file = this.file;
    this.file = undefined;
    await file?.abandon();
  }

  private async closeFile(): Promise<void> {
    const file = this.file;
    if (!file) return;
    this.file = undefined;
    this.files.push((await file.close()).path);
  }
}

/**
 * cc-hardware's `VideoWriter(path, fps, flush_interval)` as an MJPEG AVI: append() takes JPEG bytes (muxed untouched)
 * or any raw frame (encoded with toJpeg), keeps up to `flushInterval` frames in memory and writes them together; the
 * video's size comes from the first frame. Files rotate as RotatingMjpegWriter does.
 */
export class VideoWriter {
  private readonly pending: Uint8Array[] = [];
  private writer: RotatingMjpegWriter | undefined;
  private frames = 0;
  private closed = false;
  private summary: VideoSummary | undefined;

  constructor(
    readonly path: string,
    readonly fps: number,
    readonly flushInterval = 10,
    private readonly maxFileBytes = DEFAULT_MAX_FILE_BYTES,
  ) {
    checkAviOptions({ width: 1, height: 1, fps });
    if (!Number.isInteger(flushInterval) || flushInterval < 1) throw new RangeError(`flushInterval must be a whole number of frames ≥ 1, got ${flushInterval}`);
  }

  async append(frame: Uint8Array | RawFrame): Promise<void> {
    if (this.closed) throw new OmvError('ECLOSED', `${this.path} is closed: open a new VideoWriter to add frames`);
    const jpeg = frame instanceof Uint8Array ? frame : await toJpeg(frame);
    const size = frame instanceof Uint8Array ? jpegSize(jpeg) : frame;
    const where = `frame ${this.frames} of ${this.path}`;
    if (!size) throw new FormatError(`${where} is not a JPEG with a frame header (it must start FF D8 and reach an SOF marker)`);
    this.writer ??= new RotatingMjpegWriter(this.path, { width: size.width, height: size.height, fps: this.fps, maxFileBytes: this.maxFileBytes });
    const { width, height } = this.writer.size;
    if (size.width !== width || size.height !== height) {
      throw new FormatError(`${where} is ${size.width}×${size.height}, but the video is ${width}×${height}: an AVI holds one frame size; start another VideoWriter`);
    }
    this.frames++;
    this.pending.push(jpeg);
    if (this.pending.length >= this.flushInterval) await this.flush();
  }

  /** Writes what is buffered and publishes the file(s). Calling it again returns the same summary. */
  async close(): Promise<VideoSummary> {
    if (this.summary) return this.summary;
    if (this.closed) throw new OmvError('ECLOSED', `${this.path} is no longer open (abandoned, or an earlier close() failed): nothing more to publish`);
    this.closed = true;
    await this.flush();
    this.summary = this.writer ? await this.writer.close() : { files: [], frames: 0 };
    return this.summary;
  }

  /** Drops the buffered frames and leaves the current file as .part. */
  async abandon(): Promise<void> {
    this.closed = true;
    this.pending.length = 0;
    await this.writer?.abandon();
  }

  private async flush(): Promise<void> {
    const writer = this.writer;
    if (!writer) return;
    // Frames leave the buffer only once written, so a failed flush loses nothing.
    for (let jpeg = this.pending[0]; jpeg; jpeg = this.pending[0]) {
      await writer.append(jpeg);
      this.pending.shift();
    }
  }
}
