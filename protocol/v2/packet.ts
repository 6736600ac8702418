import { HEADER_SIZE, LENGTH_LIMIT, SYNC_WORD, TRAILER_SIZE } from './constants.js';
import { crc16, crc32 } from './crc.js';

/** One Protocol V2 packet. `payload` is owned by the packet: the decoder hands out copies. */
export interface Packet {
  seq: number;
  chan: number;
  flags: number;
  opcode: number;
  payload: Uint8Array;
}

export interface EncodeOptions {
  /** false when CRCs were negotiated off: the CRC fields are still sent, as zeros (as the firmware does). */
  crc?: boolean;
}

/** Bytes on the wire for a payload of `length` bytes (the CRC-32 trailer exists only when length > 0). */
export function packetSize(length: number): number {
  return HEADER_SIZE + length + (length > 0 ? TRAILER_SIZE : 0);
}

function checkByte(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new RangeError(`packet ${name} must be a byte (0..255), got ${value}`);
}

/** Writes `packet` at `out[offset]` and returns the number of bytes written. */
export function encodePacketInto(packet: Packet, out: Uint8Array, offset = 0, { crc = true }: EncodeOptions = {}): number {
  checkByte('seq', packet.seq);
  checkByte('chan', packet.chan);
  checkByte('flags', packet.flags);
  checkByte('opcode', packet.opcode);
  const length = packet.payload.length;
  if (length > LENGTH_LIMIT) throw new RangeError(`packet payload of ${length} bytes exceeds the u16 length field`);
  const size = packetSize(length);
  if (offset < 0 || offset + size > out.length) throw new RangeError(`${size}-byte packet does not fit at offset ${offset} of ${out.length}`);
  const view = new DataView(out.buffer, out.byteOffset + offset, size);
  view.setUint16(0, SYNC_WORD, true);
  view.setUint8(2, packet.seq);
  view.setUint8(3, packet.chan);
  view.setUint8(4, packet.flags);
  view.setUint8(5, packet.opcode);
  view.setUint16(6, length, true);
  view.setUint16(8, crc ? crc16(out, offset, offset + 8) : 0, true);
  if (length > 0) {
    out.set(packet.payload, offset + HEADER_SIZE);
    view.setUint32(HEADER_SIZE + length, crc ? crc32(packet.payload) : 0, true);
  }
  return size;
}

export function encodePacket(packet: Packet, options?: EncodeOptions): Uint8Array {
  const out = new Uint8Array(packetSize(packet.payload.length));
  encodePacketInto(packet, out, 0, options);
  return out;
}
