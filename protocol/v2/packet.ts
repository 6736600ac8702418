import { HEADER_SIZE, LENGTH_LIMIT, SYNC_BYTE_0, SYNC_BYTE_1, TRAILER_SIZE } from './constants.js';
import { crc16, crc32 } from './crc.js';

/** One Protocol V2 packet. The decoder hands out payloads the packet owns (copies), so callers may keep them. */
export interface Packet {
  seq: number;
  chan: number;
  flags: number;
  opcode: number;
  payload: Uint8Array;
}

export interface EncodeOptions {
  /**
   * false once CRCs were negotiated off. The CRC fields are still sent, as zeros: the firmware sends a zero
   * header CRC and an unset (garbage) payload CRC, openmv-python zeros for both, and receivers ignore them.
   */
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
  if (length > LENGTH_LIMIT) throw new RangeError(`packet payload of ${length} bytes exceeds the u16 length field (max ${LENGTH_LIMIT})`);
  const size = packetSize(length);
  if (!Number.isInteger(offset) || offset < 0 || offset + size > out.length) {
    throw new RangeError(`${size}-byte packet does not fit at offset ${offset} of a ${out.length}-byte buffer`);
  }
  out[offset] = SYNC_BYTE_0;
  out[offset + 1] = SYNC_BYTE_1;
  out[offset + 2] = packet.seq;
  out[offset + 3] = packet.chan;
  out[offset + 4] = packet.flags;
  out[offset + 5] = packet.opcode;
  out[offset + 6] = length & 0xff;
  out[offset + 7] = length >>> 8;
  const headerCrc = crc ? crc16(out, offset, offset + 8) : 0;
  out[offset + 8] = headerCrc & 0xff;
  out[offset + 9] = headerCrc >>> 8;
  if (length > 0) {
    const payloadAt = offset + HEADER_SIZE;
    out.set(packet.payload, payloadAt);
    const payloadCrc = crc ? crc32(out, payloadAt, payloadAt + length) : 0;
    const at = payloadAt + length;
    out[at] = payloadCrc & 0xff;
    out[at + 1] = (payloadCrc >>> 8) & 0xff;
    out[at + 2] = (payloadCrc >>> 16) & 0xff;
    out[at + 3] = payloadCrc >>> 24;
  }
  return size;
}

export function encodePacket(packet: Packet, options?: EncodeOptions): Uint8Array {
  const out = new Uint8Array(packetSize(packet.payload.length));
  encodePacketInto(packet, out, 0, options);
  return out;
}
