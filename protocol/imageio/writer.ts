import { headerSize, ImageIoVersions, MAGIC_SIZE, magicFor, MAX_DIMENSION, maxCompressedSize, padding, RecordField, type ImageIoVersion } from './format.js';
import { decodePixformat, frameDataSize, legacyBppFor } from './pixformat.js';

export interface ImageIoFrame {
  elapsedMs: number;
  width: number;
  height: number;
  pixformat: number;
  /**
   * Pixel bytes exactly as they are to be stored. For a V1.0 file RGB565 must already be big-endian: the writer
   * never swaps, so that what the indexer's frameData() returns writes back unchanged.
   */
  data: Uint8Array;
  /**
   * V2 size field (image_t.size). For JPEG/PNG it is the data length (the default; anything else is refused, since
   * the firmware writes exactly image_t.size bytes). For raw formats the firmware writes whatever the frame buffer
   * held: 0 in the genuine recordings, so 0 is the default. V1 has no size field and ignores this.
   */
  sizeField?: number;
}

const isU32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

export function encodeFileHeader(version: ImageIoVersion = ImageIoVersions.V2_0): Uint8Array {
  return new TextEncoder().encode(magicFor(version)).subarray(0, MAGIC_SIZE);
}

/**
 * One record as py_imageio.c's write() lays it out: header, pixel data, zero padding to 16 bytes. Refuses (with a
 * RangeError) frames the indexer would not read back the same.
 */
export function encodeFrameRecord(frame: ImageIoFrame, version: ImageIoVersion = ImageIoVersions.V2_0): Uint8Array {
  const { width, height, pixformat, data, elapsedMs } = frame;
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_DIMENSION) throw new RangeError(`frame ${name} ${value} is outside 1..${MAX_DIMENSION}`);
  }
  if (!isU32(elapsedMs)) throw new RangeError(`elapsedMs ${elapsedMs} is not a u32`);
  const info = decodePixformat(pixformat);
  let sizeField = frame.sizeField ?? 0;
  if (info.compressed) {
    sizeField = frame.sizeField ?? data.length;
    if (sizeField !== data.length) throw new RangeError(`${info.name} size field ${sizeField} differs from the ${data.length} data bytes; the firmware writes exactly image.size bytes`);
    if (data.length > maxCompressedSize(width, height)) throw new RangeError(`${info.name} frame of ${data.length} bytes exceeds the ${maxCompressedSize(width, height)} a ${width}×${height} frame may hold`);
  } else {
    const want = frameDataSize(width, height, pixformat);
    if (data.length !== want) throw new RangeError(`${info.name} ${width}×${height} frame needs ${want} bytes (firmware image_size()), got ${data.length}`);
    if (!isU32(sizeField)) throw new RangeError(`size field ${sizeField} is not a u32`);
  }
  const head = headerSize(version);
  const out = new Uint8Array(head + data.length + padding(data.length));
  const view = new DataView(out.buffer);
  view.setUint32(RecordField.ELAPSED_MS, elapsedMs, true);
  view.setUint32(RecordField.WIDTH, width, true);
  view.setUint32(RecordField.HEIGHT, height, true);
  if (version === ImageIoVersions.V2_0) {
    view.setUint32(RecordField.PIXFORMAT, pixformat, true);
    view.setUint32(RecordField.SIZE, sizeField, true);
  } else {
    view.setUint32(RecordField.BPP, legacyBppFor(pixformat, data.length), true);
  }
  out.set(data, head);
  return out;
}

/**
 * Streams a file piece by piece, as ImageIO(path, "w") followed by write() calls would: `header()` once, then one
 * `frame()` per record. The caller writes the pieces out in order; `bytesWritten` is the file offset reached.
 */
export class ImageIoWriter {
  bytesWritten = 0;
  framesWritten = 0;

  constructor(readonly version: ImageIoVersion = ImageIoVersions.V2_0) {}

  header(): Uint8Array {
    if (this.bytesWritten !== 0) throw new RangeError('the file header was already written');
    return this.emit(encodeFileHeader(this.version));
  }

  frame(frame: ImageIoFrame): Uint8Array {
    if (this.bytesWritten === 0) throw new RangeError('write the file header before the first frame');
    const record = this.emit(encodeFrameRecord(frame, this.version));
    this.framesWritten += 1;
    return record;
  }

  private emit(bytes: Uint8Array): Uint8Array {
    this.bytesWritten += bytes.length;
    return bytes;
  }
}

/** Encodes a whole file: the magic followed by every record. */
export function encodeImageIo(frames: readonly ImageIoFrame[], version: ImageIoVersion = ImageIoVersions.V2_0): Uint8Array {
  const writer = new ImageIoWriter(version);
  const parts = [writer.header(), ...frames.map((f) => writer.frame(f))];
  const out = new Uint8Array(writer.bytesWritten);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
