import { FormatError } from '../errors.js';
import { MAX_DIMENSION } from './format.js';
import { decodePixformat, frameDataSize, isValidPixformat, Pixformat } from './pixformat.js';

/**
 * ImageIO MEMORY-stream slots as py_imageio.c lays them out in RAM (never in a file): +0 u32 elapsed_ms, +4 a raw
 * copy of image_t (i32 w, i32 h, u32 pixfmt, u32 size, then pointers), the whole padded to a cache line
 * (IMAGE_T_SIZE_ALIGNED), then the pixel data; the data room is image_size() of the stream's template rounded up
 * to a cache line. All little-endian.
 */
export interface BoardLayout {
  /** OMV_CACHE_LINE_SIZE: 32 on OpenMV's STM32 and i.MX RT cameras (also the default without a data cache). */
  cacheLine: number;
  pointerSize: number;
  /** Pointers at the end of image_t: 2 (_raw, data) since firmware v4.6.0, 1 (data) in v4.2.1–v4.5.x. */
  imagePointers: number;
}

export const OPENMV_LAYOUT: BoardLayout = { cacheLine: 32, pointerSize: 4, imagePointers: 2 };

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;
const full = (layout: Partial<BoardLayout>): BoardLayout => ({ ...OPENMV_LAYOUT, ...layout });

/** IMAGE_T_SIZE_ALIGNED: where a slot's pixel data starts. */
export function slotHeaderSize(layout: Partial<BoardLayout> = {}): number {
  const { cacheLine, pointerSize, imagePointers } = full(layout);
  return alignUp(4 + 16 + imagePointers * pointerSize, cacheLine);
}

/**
 * What buffer_size() returns for ImageIO((width, height, pixformat), n): the data room of each slot. JPEG/PNG
 * streams are sized as if compressed frames take 2 bits per pixel (image_size of a BINARY width × 2·height image).
 */
export function bufferSize(width: number, height: number, pixformat: number, layout: Partial<BoardLayout> = {}): number {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`memory stream template ${width}×${height} is not a frame size`);
  const template = decodePixformat(pixformat).compressed ? frameDataSize(width, height * 2, Pixformat.BINARY) : frameDataSize(width, height, pixformat);
  return alignUp(template, full(layout).cacheLine);
}

/** Bytes per slot (the stream's `size` field); size() is n · this. */
export function memorySlotSize(width: number, height: number, pixformat: number, layout: Partial<BoardLayout> = {}): number {
  return slotHeaderSize(layout) + bufferSize(width, height, pixformat, layout);
}

export interface MemorySlot {
  elapsedMs: number;
  width: number;
  height: number;
  pixformat: number;
  /** image_t.size: the byte count of compressed frames (whatever the frame buffer held for raw ones). */
  size: number;
  data: Uint8Array;
}

/**
 * Decodes one slot's bytes; `data` is a view into them, image_size() bytes long as the firmware's read() copies.
 * A slot never written holds whatever was in RAM: implausible contents throw FormatError.
 */
export function decodeMemorySlot(slot: Uint8Array, layout: Partial<BoardLayout> = {}): MemorySlot {
  const start = slotHeaderSize(layout);
  const where = `memory-stream slot of ${slot.length} bytes`;
  if (slot.length < start) throw new FormatError(`${where}: shorter than its ${start}-byte header; pass a whole slot (memorySlotSize bytes)`);
  const view = new DataView(slot.buffer, slot.byteOffset, slot.byteLength);
  const [elapsedMs, width, height, pixformat, size] = [0, 4, 8, 12, 16].map((at) => view.getUint32(at, true)) as [number, number, number, number, number];
  const hint = 'the slot was probably never written (read past the frames written, or a wrong board layout)';
  if (width < 1 || width > MAX_DIMENSION || height < 1 || height > MAX_DIMENSION) throw new FormatError(`${where}: frame size ${width}×${height} at byte 4 is implausible; ${hint}`);
  if (!isValidPixformat(pixformat)) throw new FormatError(`${where}: invalid pixformat 0x${pixformat.toString(16).padStart(8, '0')} at byte 12; ${hint}`);
  const info = decodePixformat(pixformat);
  const length = info.compressed ? size : frameDataSize(width, height, pixformat);
  if (start + length > slot.length) throw new FormatError(`${where}: ${info.name} ${width}×${height} frame of ${length} bytes does not fit after the ${start}-byte header; ${hint}`);
  return { elapsedMs, width, height, pixformat, size, data: slot.subarray(start, start + length) };
}

/**
 * Fills `slot` as the firmware's write() does; the pointers are left zero (they mean nothing off the camera) and
 * data room past the frame is left as it was. The firmware checks the frame against the whole slot size, so it
 * lets a frame up to one header longer than buffer_size() overrun the next slot; this refuses any frame longer than
 * the data room.
 */
export function encodeMemorySlot(frame: Omit<MemorySlot, 'size'> & { size?: number }, slot: Uint8Array, layout: Partial<BoardLayout> = {}): void {
  const start = slotHeaderSize(layout);
  const info = decodePixformat(frame.pixformat);
  if (!info.compressed && frame.data.length !== frameDataSize(frame.width, frame.height, frame.pixformat)) {
    throw new RangeError(`${info.name} ${frame.width}×${frame.height} frame needs ${frameDataSize(frame.width, frame.height, frame.pixformat)} bytes, got ${frame.data.length}`);
  }
  if (start + frame.data.length > slot.length) {
    throw new RangeError(`frame of ${frame.data.length} bytes does not fit the ${slot.length - start}-byte data room of a ${slot.length}-byte slot ("Invalid frame size")`);
  }
  const view = new DataView(slot.buffer, slot.byteOffset, slot.byteLength);
  slot.fill(0, 0, start);
  view.setUint32(0, frame.elapsedMs, true);
  view.setUint32(4, frame.width, true);
  view.setUint32(8, frame.height, true);
  view.setUint32(12, frame.pixformat, true);
  view.setUint32(16, frame.size ?? (info.compressed ? frame.data.length : 0), true);
  slot.set(frame.data, start);
}
