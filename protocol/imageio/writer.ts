import { FormatError } from '../errors.js';
import { headerSize, MAGIC_SIZE, magicFor, MAX_DIMENSION, padding, type ImageIoVersion } from './format.js';
import { decodePixformat, frameDataSize, legacyBppFor } from './pixformat.js';

export interface ImageIoFrame {
  elapsedMs: number;
  width: number;
  height: number;
  pixformat: number;
  /** Pixel bytes exactly as stored in the file (V1.0 RGB565 already big-endian). */
  data: Uint8Array;
  /**
   * V2 size field. The firmware writes image_t.size: the byte count for JPEG/PNG (the default here) and, for raw
   * formats, whatever the frame buffer held — 0 in the genuine recordings, so 0 is the default for those.
   */
  sizeField?: number;
}

export function encodeFileHeader(version: ImageIoVersion = 20): Uint8Array {
  const out = new Uint8Array(MAGIC_SIZE);
  for (let i = 0; i < MAGIC_SIZE; i++) out[i] = magicFor(version).charCodeAt(i);
  return out;
}

/** One record: header, pixel data and zero padding to 16 bytes, as py_imageio.c writes it. */
export function encodeFrameRecord(frame: ImageIoFrame, version: ImageIoVersion = 20): Uint8Array {
  const { width, height, pixformat, data } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_DIMENSION || height > MAX_DIMENSION) {
    throw new RangeError(`frame size ${width}×${height} is outside 1..${MAX_DIMENSION}`);
  }
  const info = decodePixformat(pixformat);
  if (!info.compressed && data.length !== frameDataSize(width, height, pixformat)) {
    throw new FormatError(`${info.name} ${width}×${height} frame needs ${frameDataSize(width, height, pixformat)} bytes, got ${data.length}`);
  }
  const head = headerSize(version);
  const out = new Uint8Array(head + data.length + padding(data.length));
  const view = new DataView(out.buffer);
  view.setUint32(0, frame.elapsedMs >>> 0, true);
  view.setUint32(4, width, true);
  view.setUint32(8, height, true);
  if (version === 20) {
    view.setUint32(12, pixformat, true);
    view.setUint32(16, frame.sizeField ?? (info.compressed ? data.length : 0), true);
  } else {
    view.setUint32(12, legacyBppFor(pixformat, data.length), true);
  }
  out.set(data, head);
  return out;
}

/** Encodes a whole file: the magic followed by every record. */
export function encodeImageIo(frames: readonly ImageIoFrame[], version: ImageIoVersion = 20): Uint8Array {
  const parts = [encodeFileHeader(version), ...frames.map((f) => encodeFrameRecord(f, version))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
