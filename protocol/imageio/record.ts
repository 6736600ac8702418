import { corruptRecord } from './errors.js';
import { headerSize, ImageIoVersions, MAX_DIMENSION, maxCompressedSize, padding, RecordField, type ImageIoVersion } from './format.js';
import { decodePixformat, frameDataSize, isValidPixformat, LegacyBpp, Pixformat, pixformatFromLegacyBpp } from './pixformat.js';

/** One frame record of an ImageIO file, located by file offsets. */
export interface FrameEntry {
  index: number;
  headerOffset: number;
  dataOffset: number;
  /**
   * Bytes of pixel data, as the firmware's reader takes them: image_size() for raw formats (their V2 size field is
   * 0 or stale), the size field (V2) or the bpp field (V1) for JPEG/PNG.
   */
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

/**
 * Decodes the record header `head` (exactly headerSize(version) bytes) found at file offset `offset`. Throws
 * ImageIoFormatError when the firmware's reader would reject it (invalid pixformat) or it cannot be a real frame
 * (width or height outside 1..32767, a compressed size beyond maxCompressedSize). The V2 reserved bytes are not
 * checked: the firmware ignores them too.
 */
export function decodeRecordHeader(head: Uint8Array, version: ImageIoVersion, offset: number, index: number): FrameEntry {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const u32 = (at: number): number => view.getUint32(at, true);
  const width = u32(RecordField.WIDTH);
  const height = u32(RecordField.HEIGHT);
  const code = u32(RecordField.PIXFORMAT);
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (value < 1 || value > MAX_DIMENSION) throw corruptRecord(offset, index, `${name} ${value} is outside 1..${MAX_DIMENSION}`);
  }
  let pixformat: number;
  let sizeField: number;
  let dataLength: number;
  if (version === ImageIoVersions.V2_0) {
    if (!isValidPixformat(code)) throw corruptRecord(offset, index, `invalid pixformat 0x${code.toString(16).padStart(8, '0')}`);
    pixformat = code;
    sizeField = u32(RecordField.SIZE);
    dataLength = decodePixformat(code).compressed ? sizeField : frameDataSize(width, height, code);
  } else {
    pixformat = pixformatFromLegacyBpp(code);
    sizeField = code;
    dataLength = code >= LegacyBpp.JPEG_MIN ? code : frameDataSize(width, height, pixformat);
  }
  if (dataLength > maxCompressedSize(width, height)) {
    throw corruptRecord(offset, index, `compressed size ${dataLength} is implausible for a ${width}×${height} frame (at most ${maxCompressedSize(width, height)})`);
  }
  const dataOffset = offset + headerSize(version);
  return {
    index,
    headerOffset: offset,
    dataOffset,
    dataLength,
    paddedEnd: dataOffset + dataLength + padding(dataLength),
    elapsedMs: u32(RecordField.ELAPSED_MS),
    width,
    height,
    pixformat,
    sizeField,
    byteSwapped: version === ImageIoVersions.V1_0 && pixformat === Pixformat.RGB565,
  };
}
