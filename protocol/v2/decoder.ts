import { DEFAULT_MAX_PAYLOAD, HEADER_SIZE, LENGTH_LIMIT, MIN_MAX_PAYLOAD, SYNC_BYTE_0, SYNC_BYTE_1, TRAILER_SIZE } from './constants.js';
import { crc16, crc32 } from './crc.js';
import type { Packet } from './packet.js';

export interface DecoderOptions {
  /** Negotiated max payload: longer claimed lengths are rejected before any byte of them is awaited. */
  maxPayload?: number;
  /** Check both CRCs (the protocol default); false only after CRCs were negotiated off. */
  crc?: boolean;
}

export interface DecoderCounters {
  bytesIn: number;
  packets: number;
  /** Bytes that were not part of any emitted packet: noise, and the first byte of every rejected candidate. */
  droppedBytes: number;
  headerCrcErrors: number;
  payloadCrcErrors: number;
  oversize: number;
}

export type PacketHandler = (packet: Packet) => void;

/**
 * Streaming Protocol V2 decoder. Accepts chunks split anywhere, never allocates per byte, and on any failure
 * (length above the max, header CRC, payload CRC) drops one byte and rescans, so a packet that hides inside a
 * corrupt packet's claimed length is still found. Whole packets are parsed straight from the incoming chunk;
 * only a packet cut by the chunk boundary is carried over, in a buffer allocated once.
 */
export class PacketDecoder {
  readonly counters: DecoderCounters = { bytesIn: 0, packets: 0, droppedBytes: 0, headerCrcErrors: 0, payloadCrcErrors: 0, oversize: 0 };
  private maxPayload: number;
  private crc: boolean;
  private carry: Uint8Array;
  private carryLength = 0;
  /** Bytes the carried candidate still needs before it can be judged. */
  private need = 0;

  constructor({ maxPayload = DEFAULT_MAX_PAYLOAD, crc = true }: DecoderOptions = {}) {
    this.maxPayload = checkMaxPayload(maxPayload);
    this.crc = crc;
    this.carry = new Uint8Array(maxPacket(this.maxPayload));
  }

  setMaxPayload(maxPayload: number): void {
    this.maxPayload = checkMaxPayload(maxPayload);
    if (this.carry.length < maxPacket(this.maxPayload)) {
      const bigger = new Uint8Array(maxPacket(this.maxPayload));
      bigger.set(this.carry.subarray(0, this.carryLength));
      this.carry = bigger;
    }
  }

  setCrc(enabled: boolean): void {
    this.crc = enabled;
  }

  /** Forgets any partial packet (after a port reopen or a PROTO_SYNC). */
  reset(): void {
    this.counters.droppedBytes += this.carryLength;
    this.carryLength = 0;
    this.need = 0;
  }

  /** Decodes `chunk`, calling `onPacket` for every complete, verified packet in order. */
  push(chunk: Uint8Array, onPacket: PacketHandler): void {
    this.counters.bytesIn += chunk.length;
    let pos = 0;
    while (this.carryLength > 0 && pos < chunk.length) {
      const n = Math.min(Math.max(this.need, 1), chunk.length - pos, this.carry.length - this.carryLength);
      this.carry.set(chunk.subarray(pos, pos + n), this.carryLength);
      this.carryLength += n;
      pos += n;
      const consumed = this.scan(this.carry, 0, this.carryLength, onPacket);
      this.carry.copyWithin(0, consumed, this.carryLength);
      this.carryLength -= consumed;
    }
    if (pos >= chunk.length) return;
    const consumed = this.scan(chunk, pos, chunk.length, onPacket);
    this.carry.set(chunk.subarray(consumed), 0);
    this.carryLength = chunk.length - consumed;
  }

  /** Emits every packet in buf[start, end) and returns where the undecided tail begins; sets `need`. */
  private scan(buf: Uint8Array, start: number, end: number, onPacket: PacketHandler): number {
    const counters = this.counters;
    let i = start;
    for (;;) {
      const syncAt = findSync(buf, i, end);
      counters.droppedBytes += syncAt - i;
      i = syncAt;
      const have = end - i;
      if (have < HEADER_SIZE) {
        this.need = have === 0 ? 0 : HEADER_SIZE - have;
        return i;
      }
      const length = (buf[i + 6] as number) | ((buf[i + 7] as number) << 8);
      if (length > this.maxPayload) {
        counters.oversize++;
        counters.droppedBytes++;
        i++;
        continue;
      }
      if (this.crc && crc16(buf, i, i + 8) !== ((buf[i + 8] as number) | ((buf[i + 9] as number) << 8))) {
        counters.headerCrcErrors++;
        counters.droppedBytes++;
        i++;
        continue;
      }
      const total = HEADER_SIZE + length + (length > 0 ? TRAILER_SIZE : 0);
      if (have < total) {
        this.need = total - have;
        return i;
      }
      const payloadEnd = i + HEADER_SIZE + length;
      if (this.crc && length > 0 && crc32(buf, i + HEADER_SIZE, payloadEnd) !== readU32(buf, payloadEnd)) {
        counters.payloadCrcErrors++;
        counters.droppedBytes++;
        i++;
        continue;
      }
      counters.packets++;
      onPacket({
        seq: buf[i + 2] as number,
        chan: buf[i + 3] as number,
        flags: buf[i + 4] as number,
        opcode: buf[i + 5] as number,
        payload: buf.slice(i + HEADER_SIZE, payloadEnd),
      });
      i += total;
    }
  }
}

/** Index of the next AA D5 at or after `from`; a lone trailing AA is kept (returned) as a possible start. */
function findSync(buf: Uint8Array, from: number, end: number): number {
  let i = buf.indexOf(SYNC_BYTE_0, from);
  while (i !== -1 && i < end) {
    if (i + 1 >= end || buf[i + 1] === SYNC_BYTE_1) return i;
    i = buf.indexOf(SYNC_BYTE_0, i + 1);
  }
  return end;
}

function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at] as number) | ((buf[at + 1] as number) << 8) | ((buf[at + 2] as number) << 16) | ((buf[at + 3] as number) << 24)) >>> 0;
}

function maxPacket(maxPayload: number): number {
  return HEADER_SIZE + maxPayload + TRAILER_SIZE;
}

function checkMaxPayload(n: number): number {
  if (!Number.isInteger(n) || n < MIN_MAX_PAYLOAD || n > LENGTH_LIMIT) {
    throw new RangeError(`max payload must be an integer from ${MIN_MAX_PAYLOAD} to ${LENGTH_LIMIT}, got ${n}`);
  }
  return n;
}
