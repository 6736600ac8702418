import { open, rename, type FileHandle } from 'node:fs/promises';
import { OmvError } from '../../../protocol/errors.js';

/** AVI 1.0 offsets are 32-bit and many readers stop at 1 GiB: each file stays below this unless told otherwise. */
export const DEFAULT_MAX_FILE_BYTES = 1_000_000_000;

const HDRL_SIZE = 192; // LIST 'hdrl': avih (8 + 56) + LIST 'strl' (12 + strh 8 + 56 + strf 8 + 40)
const MOVI_LIST_AT = 12 + 8 + HDRL_SIZE; // RIFF header + LIST header + hdrl
const MOVI_DATA_AT = MOVI_LIST_AT + 12;
const AVIF_HASINDEX = 0x10;
const AVIIF_KEYFRAME = 0x10;

export interface AviOptions {
  width: number;
  height: number;
  fps: number;
}

const fourcc = (s: string): number => s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24);

/**
 * One MJPEG AVI file, streamed to `<path>.part` with constant memory (8 bytes of index per frame) and renamed on
 * close: RIFF 'AVI ', LIST hdrl (avih, strl: strh vids/MJPG, strf BITMAPINFOHEADER), LIST movi of '00dc' chunks
 * (JPEG bytes untouched, word-aligned as RIFF requires), then idx1. Sizes and counts are patched on close.
 */
export class MjpegAviFile {
  private readonly index: number[] = [];
  private end = MOVI_DATA_AT;
  private maxChunk = 0;

  private constructor(readonly path: string, private readonly fh: FileHandle, private readonly options: AviOptions) {}

  static async create(path: string, options: AviOptions): Promise<MjpegAviFile> {
    if (!(options.fps > 0) || !Number.isFinite(options.fps)) throw new RangeError(`video frame rate must be > 0, got ${options.fps}`);
    const fh = await open(`${path}.part`, 'w');
    const file = new MjpegAviFile(path, fh, options);
    await fh.write(file.headers(), 0, MOVI_DATA_AT, 0);
    return file;
  }

  get frames(): number {
    return this.index.length / 2;
  }

  /** Bytes the file will have once closed if no more frames are added. */
  get size(): number {
    return this.end + 8 + this.index.length * 8;
  }

  /** Bytes one more frame of `length` adds (chunk, padding, index entry). */
  static frameCost(length: number): number {
    return 8 + length + (length & 1) + 16;
  }

  async appendJpeg(jpeg: Uint8Array): Promise<void> {
    if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new OmvError('EFORMAT', `frame ${this.frames} of ${this.path} is not a JPEG (it must start with FF D8)`);
    const head = new Uint8Array(8);
    const v = new DataView(head.buffer);
    v.setUint32(0, fourcc('00dc'), true);
    v.setUint32(4, jpeg.length, true);
    await this.fh.writev([head, jpeg, ...(jpeg.length & 1 ? [new Uint8Array(1)] : [])], this.end);
    this.index.push(this.end - (MOVI_LIST_AT + 8), jpeg.length);
    this.end += 8 + jpeg.length + (jpeg.length & 1);
    this.maxChunk = Math.max(this.maxChunk, jpeg.length);
  }

  async close(): Promise<void> {
    const idx = new Uint8Array(8 + this.index.length * 8);
    const v = new DataView(idx.buffer);
    v.setUint32(0, fourcc('idx1'), true);
    v.setUint32(4, this.index.length * 8, true);
    for (let i = 0; i < this.frames; i++) {
      v.setUint32(8 + i * 16, fourcc('00dc'), true);
      v.setUint32(12 + i * 16, AVIIF_KEYFRAME, true);
      v.setUint32(16 + i * 16, this.index[2 * i] as number, true);
      v.setUint32(20 + i * 16, this.index[2 * i + 1] as number, true);
    }
    await this.fh.write(idx, 0, idx.length, this.end);
    await this.fh.write(this.headers(), 0, MOVI_DATA_AT, 0);
    await this.fh.sync();
    await this.fh.close();
    await rename(`${this.path}.part`, this.path);
  }

  /** Stops without publishing; the .part stays for inspection. */
  async abandon(): Promise<void> {
    await this.fh.close();
  }

  private headers(): Uint8Array {
    const { width, height, fps } = this.options;
    const b = new Uint8Array(MOVI_DATA_AT);
    const v = new DataView(b.buffer);
    let at = 0;
    const u32 = (n: number): void => {
      v.setUint32(at, n >>> 0, true);
      at += 4;
    };
    const cc = (s: string): void => u32(fourcc(s));
    const rate = Math.round(fps * 1000);
    cc('RIFF'), u32(this.size - 8), cc('AVI ');
    cc('LIST'), u32(HDRL_SIZE), cc('hdrl');
    cc('avih'), u32(56);
    u32(Math.round(1e6 / fps)), u32(Math.ceil(this.maxChunk * fps)), u32(0), u32(AVIF_HASINDEX), u32(this.frames), u32(0), u32(1), u32(this.maxChunk), u32(width), u32(height);
    at += 16;
    cc('LIST'), u32(4 + 8 + 56 + 8 + 40), cc('strl');
    cc('strh'), u32(56), cc('vids'), cc('MJPG'), u32(0), u32(0), u32(0), u32(1000), u32(rate), u32(0), u32(this.frames), u32(this.maxChunk), u32(0xffffffff), u32(0);
    v.setInt16(at + 4, width, true);
    v.setInt16(at + 6, height, true);
    at += 8;
    cc('strf'), u32(40), u32(40), u32(width), u32(height);
    v.setUint16(at, 1, true);
    v.setUint16(at + 2, 24, true);
    at += 4;
    cc('MJPG'), u32(width * height * 3), u32(0), u32(0), u32(0), u32(0);
    cc('LIST'), u32(this.end - (MOVI_LIST_AT + 8)), cc('movi');
    return b;
  }
}
