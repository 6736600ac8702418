import sharp from 'sharp';
import { OmvError } from '../../../protocol/errors.js';
import { toJpeg, type RawFrame } from '../../pixels/index.js';
import { DEFAULT_MAX_FILE_BYTES, MjpegAviFile, type AviOptions } from './avi.js';

/** `out.avi`, then `out.001.avi`, `out.002.avi`, … */
export function rotatedPath(path: string, part: number): string {
  if (part === 0) return path;
  const dot = path.toLowerCase().endsWith('.avi') ? path.length - 4 : path.length;
  return `${path.slice(0, dot)}.${String(part).padStart(3, '0')}${path.slice(dot)}`;
}

/** MJPEG AVI that continues in a new file before one would pass `maxFileBytes`. */
export class RotatingMjpegWriter {
  private file: MjpegAviFile | undefined;
  private readonly files: string[] = [];
  private frames = 0;

  constructor(readonly path: string, private readonly options: AviOptions & { maxFileBytes?: number }) {}

  async append(jpeg: Uint8Array): Promise<void> {
    const limit = this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (this.file && this.file.frames > 0 && this.file.size + MjpegAviFile.frameCost(jpeg.length) > limit) await this.closeFile();
    this.file ??= await MjpegAviFile.create(rotatedPath(this.path, this.files.length), this.options);
    await this.file.appendJpeg(jpeg);
    this.frames++;
  }

  async close(): Promise<{ files: string[]; frames: number }> {
    await this.closeFile();
    return { files: [...this.files], frames: this.frames };
  }

  async abandon(): Promise<void> {
    await this.file?.abandon();
    this.file = undefined;
  }

  private async closeFile(): Promise<void> {
    if (!this.file) return;
    await this.file.close();
    this.files.push(this.file.path);
    this.file = undefined;
  }
}

/**
 * cc-hardware's `VideoWriter(path, fps, flush_interval)`: frames (JPEG bytes, or any raw frame, encoded with sharp)
 * are buffered and written every `flushInterval` frames; the size comes from the first frame.
 */
export class VideoWriter {
  private readonly pending: Uint8Array[] = [];
  private writer: RotatingMjpegWriter | undefined;

  constructor(readonly path: string, readonly fps: number, readonly flushInterval = 10, private readonly maxFileBytes = DEFAULT_MAX_FILE_BYTES) {}

  async append(frame: Uint8Array | RawFrame): Promise<void> {
    const jpeg = frame instanceof Uint8Array ? frame : await toJpeg(frame);
    if (!this.writer) {
      const { width, height } = frame instanceof Uint8Array ? await sharp(jpeg).metadata() : frame;
      if (!width || !height) throw new OmvError('EFORMAT', `the first frame of ${this.path} is not a readable JPEG`);
      this.writer = new RotatingMjpegWriter(this.path, { width, height, fps: this.fps, maxFileBytes: this.maxFileBytes });
    }
    this.pending.push(jpeg);
    if (this.pending.length >= this.flushInterval) await this.flush();
  }

  async close(): Promise<{ files: string[]; frames: number }> {
    await this.flush();
    return this.writer ? this.writer.close() : { files: [], frames: 0 };
  }

  private async flush(): Promise<void> {
    for (const jpeg of this.pending.splice(0)) await (this.writer as RotatingMjpegWriter).append(jpeg);
  }
}
