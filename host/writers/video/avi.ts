import { open, rename, type FileHandle } from 'node:fs/promises';
import { FormatError } from '../../../protocol/errors.js';
import { jpegSize } from './jpeg-size.js';

export interface AviOptions {
  width: number;
  height: number;
  /** Frames per second, > 0: stored as dwRate/dwScale (see rateOf). */
  fps: number;
  /** RIFF INFO tags (ids like ISFT, ICMT, ISRC; ASCII text), in a LIST INFO between the headers and the frames. */
  info?: Record<string, string>;
}

export interface AviFileSummary {
  path: string;
  frames: number;
  bytes: number;
}

const HDRL_SIZE = 192; // 'hdrl' + avih (8 + 56) + LIST 'strl' (12 + strh 8 + 56 + strf 8 + 40)
const HDRL_END = 12 + 8 + HDRL_SIZE;
const MAX_INFO_TEXT = 1024;
const IDX1_ENTRY = 16;
const AVIF_HASINDEX = 0x10;
const AVIIF_KEYFRAME = 0x10;
const U32_MAX = 0xffffffff;

const fourcc = (s: string): number => s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24);

export function checkAviOptions({ width, height, fps, info }: AviOptions): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 0xffff || height > 0xffff) {
    throw new RangeError(`video size must be 1–65535 pixels each way, got ${width}×${height}`);
  }
  if (!(fps > 0) || !Number.isFinite(fps)) throw new RangeError(`video frame rate must be a number > 0, got ${fps}`);
  for (const [id, text] of Object.entries(info ?? {})) {
    if (!/^[A-Z][A-Z0-9]{3}$/.test(id) || !/^[\x20-\x7e]*$/.test(text) || text.length > MAX_INFO_TEXT) throw new RangeError(`AVI INFO tag ${id}: ids are four capitals or digits, texts printable ASCII up to ${MAX_INFO_TEXT} characters`);
  }
  const { rate, scale } = rateOf(fps);
  if (rate < 1 || rate > U32_MAX || scale < 1 || scale > U32_MAX) throw new RangeError(`video frame rate must be from one frame per 49 days to 4 million fps, got ${fps}`);
}

/**
 * The stream's dwRate/dwScale (frames per second = rate/scale). From 1 fps up: per 1000 s, OpenMV mjpeg.c's scale,
 * so 12.5 fps is 12500/1000. Below 1 fps (time-lapse): 1000 frames per `scale` ms, so one frame an hour still fits.
 */
function rateOf(fps: number): { rate: number; scale: number } {
  return fps >= 1 ? { rate: Math.round(fps * 1000), scale: 1000 } : { rate: 1000, scale: Math.round(1000 / fps) };
}

/**
 * One MJPEG AVI 1.0 file, streamed to `<path>.part` and renamed to `path` by close(): a killed writer leaves only the
 * .part. Layout: RIFF 'AVI ' { LIST hdrl { avih, LIST strl { strh vids/MJPG, strf BITMAPINFOHEADER MJPG 24 bpp } },
 * LIST movi { '00dc' chunks }, idx1 }. Each chunk's size is the JPEG's exact length and its body the JPEG untouched;
 * an odd length gets one pad byte after the chunk, the RIFF rule (OpenMV pads to 4 inside the chunk, which appends
 * junk to the JPEG). Memory is constant but for the idx1 entries, 16 bytes a frame; sizes, counts and rates are
 * patched into the headers on close.
 */
export class MjpegAviFile {
  /** Bytes of a closed file with no frames (and no INFO tags): headers plus the idx1 header. */
  static readonly EMPTY_SIZE = HDRL_END + 12 + 8;
  private index = new Uint8Array(IDX1_ENTRY * 256);
  private frameCount = 0;
  private end: number;
  private maxChunk = 0;
  private readonly info: Uint8Array;
  /** idx1 offsets count from the 'movi' fourcc. */
  private readonly moviFourccAt: number;
  private readonly moviDataAt: number;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private options: AviOptions,
  ) {
    this.info = infoList(options.info);
    this.moviFourccAt = HDRL_END + this.info.length + 8;
    this.moviDataAt = this.moviFourccAt + 4;
    this.end = this.moviDataAt;
  }

  /** Bytes of a closed file with these options and no frames. */
  static emptySize(options: Pick<AviOptions, 'info'>): number {
    return MjpegAviFile.EMPTY_SIZE + infoList(options.info).length;
  }

  static async create(path: string, options: AviOptions): Promise<MjpegAviFile> {
    checkAviOptions(options);
    const fh = await open(`${path}.part`, 'w');
    const file = new MjpegAviFile(path, fh, options);
    try {
      await fh.write(file.headers(), 0, file.moviDataAt, 0);
    } catch (err) {
      await fh.close();
      throw err;
    }
    return file;
  }

  /** Changes the frame rate the headers state (written on close), e.g. to the rate the frames really came at. */
  setFps(fps: number): void {
    checkAviOptions({ ...this.options, fps });
    this.options = { ...this.options, fps };
  }

  /** Bytes one more `length`-byte JPEG adds: chunk header, body, pad byte, idx1 entry. */
  static frameCost(length: number): number {
    return 8 + length + (length & 1) + IDX1_ENTRY;
  }

  get frames(): number {
    return this.frameCount;
  }

  /** Bytes the file will have once closed if no more frames are added. */
  get size(): number {
    return this.end + 8 + this.frameCount * IDX1_ENTRY;
  }

  async appendJpeg(jpeg: Uint8Array): Promise<void> {
    const size = jpegSize(jpeg);
    const where = `frame ${this.frameCount} of ${this.path}`;
    if (!size) throw new FormatError(`${where} is not a JPEG with a frame header (it must start FF D8 and reach an SOF marker); the frame is damaged`);
    if (size.width !== this.options.width || size.height !== this.options.height) {
      throw new FormatError(`${where} is ${size.width}×${size.height}, but the video is ${this.options.width}×${this.options.height}: an AVI holds one frame size; start another file`);
    }
    const head = new Uint8Array(8);
    const v = new DataView(head.buffer);
    v.setUint32(0, fourcc('00dc'), true);
    v.setUint32(4, jpeg.length, true);
    const parts = jpeg.length & 1 ? [head, jpeg, new Uint8Array(1)] : [head, jpeg];
    const total = 8 + jpeg.length + (jpeg.length & 1);
    const { bytesWritten } = await this.fh.writev(parts, this.end);
    if (bytesWritten !== total) throw new FormatError(`${where}: only ${bytesWritten} of ${total} bytes reached the disk (is it full?)`);
    this.addIndexEntry(this.end - this.moviFourccAt, jpeg.length);
    this.end += total;
    this.maxChunk = Math.max(this.maxChunk, jpeg.length);
  }

  /** Writes idx1, patches the headers, syncs and publishes the file under its name. */
  async close(): Promise<AviFileSummary> {
    try {
      const idx1 = new Uint8Array(8 + this.frameCount * IDX1_ENTRY);
      const v = new DataView(idx1.buffer);
      v.setUint32(0, fourcc('idx1'), true);
      v.setUint32(4, this.frameCount * IDX1_ENTRY, true);
      idx1.set(this.index.subarray(0, this.frameCount * IDX1_ENTRY), 8);
      await this.fh.write(idx1, 0, idx1.length, this.end);
      await this.fh.write(this.headers(), 0, this.moviDataAt, 0);
      await this.fh.sync();
    } finally {
      await this.fh.close();
    }
    await rename(`${this.path}.part`, this.path);
    return { path: this.path, frames: this.frameCount, bytes: this.size };
  }

  /** Stops without publishing; the .part stays for inspection. */
  async abandon(): Promise<void> {
    await this.fh.close();
  }

  private addIndexEntry(offset: number, length: number): void {
    const at = this.frameCount * IDX1_ENTRY;
    if (at + IDX1_ENTRY > this.index.length) {
      const grown = new Uint8Array(this.index.length * 2);
      grown.set(this.index);
      this.index = grown;
    }
    const v = new DataView(this.index.buffer, at, IDX1_ENTRY);
    v.setUint32(0, fourcc('00dc'), true);
    v.setUint32(4, AVIIF_KEYFRAME, true);
    v.setUint32(8, offset, true);
    v.setUint32(12, length, true);
    this.frameCount++;
  }

  private headers(): Uint8Array {
    const { width, height, fps } = this.options;
    const b = new Uint8Array(this.moviDataAt);
    const v = new DataView(b.buffer);
    let at = 0;
    const u32 = (...values: number[]): void => {
      for (const n of values) {
        v.setUint32(at, n >>> 0, true);
        at += 4;
      }
    };
    const cc = (s: string): void => u32(fourcc(s));
    const u16 = (...values: number[]): void => {
      for (const n of values) {
        v.setUint16(at, n, true);
        at += 2;
      }
    };
    const frames = this.frameCount;
    const { rate, scale } = rateOf(fps);
    const maxBytesPerSec = Math.min(U32_MAX, Math.ceil(this.maxChunk * fps));
    cc('RIFF'), u32(this.size - 8), cc('AVI ');
    cc('LIST'), u32(HDRL_SIZE), cc('hdrl');
    // MainAVIHeader: µs/frame, max bytes/s, padding granularity, flags, frames, initial frames, streams,
    // suggested buffer, width, height, 4 reserved.
    cc('avih'), u32(56);
    u32(Math.min(U32_MAX, Math.round(1e6 / fps)), maxBytesPerSec, 0, AVIF_HASINDEX, frames, 0, 1, this.maxChunk, width, height, 0, 0, 0, 0);
    cc('LIST'), u32(4 + 8 + 56 + 8 + 40), cc('strl');
    // AVISTREAMHEADER: type, handler, flags, priority+language, initial frames, scale, rate, start, length,
    // suggested buffer, quality (-1 = default), sample size, rcFrame (left, top, right, bottom as 16-bit).
    cc('strh'), u32(56), cc('vids'), cc('MJPG');
    u32(0, 0, 0, scale, rate, 0, frames, this.maxChunk, U32_MAX, 0);
    u16(0, 0, width, height);
    // BITMAPINFOHEADER: size, width, height, planes, bit count, compression, image size, 2× pixels/m, colours used/important.
    cc('strf'), u32(40), u32(40, width, height);
    u16(1, 24);
    cc('MJPG'), u32(width * height * 3, 0, 0, 0, 0);
    b.set(this.info, at);
    at += this.info.length;
    cc('LIST'), u32(this.end - this.moviFourccAt), cc('movi');
    return b;
  }
}

/** LIST 'INFO' { id, size, text NUL-terminated, padded to even } …, or nothing without tags. */
function infoList(info: Record<string, string> = {}): Uint8Array {
  const entries = Object.entries(info);
  if (entries.length === 0) return new Uint8Array(0);
  const chunks = entries.map(([id, text]) => {
    const size = text.length + 1;
    const chunk = new Uint8Array(8 + size + (size & 1));
    const v = new DataView(chunk.buffer);
    v.setUint32(0, fourcc(id), true);
    v.setUint32(4, size, true);
    for (let i = 0; i < text.length; i++) chunk[8 + i] = text.charCodeAt(i);
    return chunk;
  });
  const body = chunks.reduce((n, c) => n + c.length, 4);
  const list = new Uint8Array(8 + body);
  const v = new DataView(list.buffer);
  v.setUint32(0, fourcc('LIST'), true);
  v.setUint32(4, body, true);
  v.setUint32(8, fourcc('INFO'), true);
  let at = 12;
  for (const c of chunks) {
    list.set(c, at);
    at += c.length;
  }
  return list;
}

/** The INFO tags of an AVI's first RIFF (read from its first few KiB), or undefined if it is not an AVI or has none. */
export async function readAviInfo(path: string): Promise<Record<string, string> | undefined> {
  const fh = await open(path, 'r');
  let head: Uint8Array;
  try {
    head = new Uint8Array(HDRL_END + 12 + 8 * 64 + 64 * (MAX_INFO_TEXT + 2));
    head = head.subarray(0, (await fh.read(head, 0, head.length, 0)).bytesRead);
  } finally {
    await fh.close();
  }
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head.length < 12 || v.getUint32(0, true) !== fourcc('RIFF') || v.getUint32(8, true) !== fourcc('AVI ')) return undefined;
  for (let at = 12; at + 12 <= head.length; ) {
    const size = v.getUint32(at + 4, true);
    if (v.getUint32(at, true) === fourcc('LIST') && v.getUint32(at + 8, true) === fourcc('INFO')) {
      const tags: Record<string, string> = {};
      for (let t = at + 12; t + 8 <= Math.min(head.length, at + 8 + size); ) {
        const id = String.fromCharCode(...head.subarray(t, t + 4));
        const n = v.getUint32(t + 4, true);
        tags[id] = String.fromCharCode(...head.subarray(t + 8, Math.min(t + 8 + n, head.length))).replace(/\0+$/, '');
        t += 8 + n + (n & 1);
      }
      return tags;
    }
    if (v.getUint32(at + 8, true) === fourcc('movi')) return undefined;
    at += 8 + size + (size & 1);
  }
  return undefined;
}
