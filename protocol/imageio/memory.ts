import { ByteReader } from '../cursor.js';
import { FormatError } from '../errors.js';
import { decodePixformat, frameDataSize, Pixformat } from './pixformat.js';

/**
 * ImageIO MEMORY-stream slots as py_imageio.c lays them out in RAM: u32 elapsed_ms, a raw copy of image_t
 * (i32 w, i32 h, u32 pixfmt, u32 size, two pointers), padded to the cache line, then the pixel data padded to
 * the cache line. The pointers' width and the cache line depend on the board.
 */
export interface BoardLayout {
  cacheLine: number;
  pointerSize: number;
}

/** OpenMV's STM32 and i.MX RT cameras: 32-byte cache lines, 32-bit pointers. */
export const OPENMV_LAYOUT: BoardLayout = { cacheLine: 32, pointerSize: 4 };

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

export function slotHeaderSize(layout: BoardLayout = OPENMV_LAYOUT): number {
  return alignUp(4 + 16 + 2 * layout.pointerSize, layout.cacheLine);
}

/** What `buffer_size()` returns: the data room per slot. JPEG/PNG slots are sized at 2 bits per pixel. */
export function memoryBufferSize(width: number, height: number, pixformat: number, layout: BoardLayout = OPENMV_LAYOUT): number {
  const raw = decodePixformat(pixformat).compressed ? frameDataSize(width, height * 2, Pixformat.BINARY) : frameDataSize(width, height, pixformat);
  return alignUp(raw, layout.cacheLine);
}

export function memorySlotSize(width: number, height: number, pixformat: number, layout: BoardLayout = OPENMV_LAYOUT): number {
  return slotHeaderSize(layout) + memoryBufferSize(width, height, pixformat, layout);
}

export interface MemorySlot {
  elapsedMs: number;
  width: number;
  height: number;
  pixformat: number;
  /** image_t.size: the byte count of compressed frames. */
  size: number;
  data: Uint8Array;
}

/** Decodes one slot's bytes (a view into them, not a copy). Never-written or corrupt slots throw FormatError. */
export function decodeMemorySlot(slot: Uint8Array, layout: BoardLayout = OPENMV_LAYOUT): MemorySlot {
  const r = new ByteReader(slot, 'memory-stream slot');
  const elapsedMs = r.u32();
  const width = r.u32();
  const height = r.u32();
  const pixformat = r.u32();
  const size = r.u32();
  const info = decodePixformat(pixformat);
  const length = info.compressed ? size : frameDataSize(width, height, pixformat);
  const start = slotHeaderSize(layout);
  if (start + length > slot.length) {
    throw new FormatError(`memory-stream slot: ${info.name} ${width}×${height} frame of ${length} bytes does not fit a ${slot.length}-byte slot`);
  }
  return { elapsedMs, width, height, pixformat, size, data: slot.subarray(start, start + length) };
}

/** Fills `slot` as the firmware's write() does (pointers left zero: they mean nothing off the camera). */
export function encodeMemorySlot(frame: Omit<MemorySlot, 'size'> & { size?: number }, slot: Uint8Array, layout: BoardLayout = OPENMV_LAYOUT): void {
  const start = slotHeaderSize(layout);
  if (start + frame.data.length > slot.length) throw new RangeError(`frame of ${frame.data.length} bytes does not fit a ${slot.length}-byte slot ("Invalid frame size")`);
  const v = new DataView(slot.buffer, slot.byteOffset, slot.byteLength);
  slot.fill(0, 0, start);
  v.setUint32(0, frame.elapsedMs >>> 0, true);
  v.setUint32(4, frame.width, true);
  v.setUint32(8, frame.height, true);
  v.setUint32(12, frame.pixformat, true);
  v.setUint32(16, frame.size ?? (decodePixformat(frame.pixformat).compressed ? frame.data.length : 0), true);
  slot.set(frame.data, start);
}
