import { DEFAULT_MAX_PAYLOAD, HEADER_SIZE, LENGTH_LIMIT, MIN_MAX_PAYLOAD, SYNC_BYTE_0, SYNC_BYTE_1, TRAILER_SIZE } from './constants.js';
import { CRC16_INIT, CRC32_INIT, crc16Span, crc32Bytes, crc32Words, viewOf, WORDS_WORTH_IT } from './crc.js';
import { packetSize, type Packet } from './packet.js';

export interface DecoderOptions {
  /** Negotiated max payload: a header claiming more is rejected before any byte of its payload is awaited. */
  maxPayload?: number;
  /** Check both CRCs (the protocol default); false only after CRCs were negotiated off. */
  crc?: boolean;
}

export interface DecoderCounters {
  bytesIn: number;
  packets: number;
  /** Bytes that are in no emitted packet: noise, the first byte of every rejected candidate, what reset() discarded. */
  droppedBytes: number;
  headerCrcErrors: number;
  payloadCrcErrors: number;
  /** Candidates whose length field exceeded the max payload. */
  oversize: number;
}

export type PacketHandler = (packet: Packet) => void;

/** The header of a packet whose header CRC held but whose payload failed its CRC: what was lost, and where. */
export type PacketHeader = Omit<Packet, 'payload'> & { length: number };

/**
 * Streaming Protocol V2 decoder. Takes chunks split anywhere and calls back with every verified packet in order.
 * A candidate starts at AA D5; its length must not exceed the max payload, then its header CRC-16 must match, and
 * only then is its length trusted and its payload CRC-32 checked. On any failure it drops one byte and rescans,
 * so a packet hiding inside a corrupt packet's claimed length is still found. Whole packets are parsed straight
 * from the incoming chunk; only a packet cut by a chunk boundary is carried over, in a buffer allocated once.
 *
 * Settings changed from inside the callback apply to the very next packet of the same chunk, as a SET_CAPS ACK
 * needs; a max payload lowered below a partly received packet rejects that packet (counted as oversize).
 */
export class PacketDecoder {
  readonly counters: DecoderCounters = { bytesIn: 0, packets: 0, droppedBytes: 0, headerCrcErrors: 0, payloadCrcErrors: 0, oversize: 0 };
  private maxPayload: number;
  private crc: boolean;
  private carry: Uint8Array;
  private carryView: DataView;
  private carryLength = 0;
  /** Bytes the carried candidate still needs before it can be judged. */
  private need = 0;
  private pushing = false;
  private resetRequested = false;
  /** Told of each packet whose header is intact but whose payload is not (its payload bytes are still rescanned). */
  onDamaged: ((header: PacketHeader) => void) | null = null;

  constructor({ maxPayload = DEFAULT_MAX_PAYLOAD, crc = true }: DecoderOptions = {}) {
    this.maxPayload = checkMaxPayload(maxPayload);
    this.crc = crc;
    this.carry = new Uint8Array(packetSize(this.maxPayload));
    this.carryView = viewOf(this.carry);
  }

  /** Bytes held back as the start of a packet not yet complete. */
  get pendingBytes(): number {
    return this.carryLength;
  }

  setMaxPayload(maxPayload: number): void {
    this.maxPayload = checkMaxPayload(maxPayload);
    if (this.carry.length < packetSize(this.maxPayload)) {
      const bigger = new Uint8Array(packetSize(this.maxPayload));
      bigger.set(this.carry.subarray(0, this.carryLength));
      this.carry = bigger;
      this.carryView = viewOf(bigger);
    }
  }

  setCrc(enabled: boolean): void {
    this.crc = enabled;
  }

  /** Forgets a partial packet (after a port reopen); from inside the callback, also the rest of the chunk. */
  reset(): void {
    if (this.pushing) {
      this.resetRequested = true;
      return;
    }
    this.counters.droppedBytes += this.carryLength;
    this.carryLength = 0;
    this.need = 0;
  }

  /**
   * Decodes `chunk`, calling `onPacket` for every complete, verified packet in order. `chunk` is not kept.
   * If `onPacket` throws, the decoder forgets what it holds and the error propagates.
   */
  push(chunk: Uint8Array, onPacket: PacketHandler): void {
    if (this.pushing) throw new Error('PacketDecoder.push() was called from inside its own packet callback');
    this.pushing = true;
    this.counters.bytesIn += chunk.length;
    try {
      this.decode(chunk, onPacket);
    } catch (error) {
      this.carryLength = 0;
      this.need = 0;
      throw error;
    } finally {
      this.pushing = false;
      this.resetRequested = false;
    }
  }

  private decode(chunk: Uint8Array, onPacket: PacketHandler): void {
    let pos = 0;
    while (this.carryLength > 0 && pos < chunk.length) {
      const n = Math.min(Math.max(this.need, 1), chunk.length - pos, this.carry.length - this.carryLength);
      this.carry.set(chunk.subarray(pos, pos + n), this.carryLength);
      this.carryLength += n;
      pos += n;
      const consumed = this.scan(this.carry, this.carryView, 0, this.carryLength, onPacket);
      if (this.resetRequested) {
        this.discard(this.carryLength - consumed + chunk.length - pos);
        return;
      }
      if (consumed > 0) {
        this.carry.copyWithin(0, consumed, this.carryLength);
        this.carryLength -= consumed;
      }
    }
    if (pos >= chunk.length) return;
    const consumed = this.scan(chunk, undefined, pos, chunk.length, onPacket);
    if (this.resetRequested) {
      this.discard(chunk.length - consumed);
      return;
    }
    this.carry.set(chunk.subarray(consumed), 0);
    this.carryLength = chunk.length - consumed;
  }

  private discard(unread: number): void {
    this.counters.droppedBytes += unread;
    this.carryLength = 0;
    this.need = 0;
  }

  /**
   * Emits every packet in buf[start, end) and returns where the undecided tail begins; sets `need`.
   * `view` is over all of `buf`, made here on the first long payload when not given.
   */
  private scan(buf: Uint8Array, view: DataView | undefined, start: number, end: number, onPacket: PacketHandler): number {
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
      const checkCrc = this.crc;
      if (checkCrc && crc16Span(buf, i, i + 8, CRC16_INIT) !== ((buf[i + 8] as number) | ((buf[i + 9] as number) << 8))) {
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
      if (checkCrc && length > 0) {
        const payloadCrc =
          length < WORDS_WORTH_IT
            ? crc32Bytes(buf, i + HEADER_SIZE, payloadEnd, CRC32_INIT)
            : crc32Words(buf, (view ??= viewOf(buf)), i + HEADER_SIZE, payloadEnd, CRC32_INIT);
        if (payloadCrc !== readU32(buf, payloadEnd)) {
          counters.payloadCrcErrors++;
          counters.droppedBytes++;
          this.onDamaged?.({ seq: buf[i + 2] as number, chan: buf[i + 3] as number, flags: buf[i + 4] as number, opcode: buf[i + 5] as number, length });
          i++;
          continue;
        }
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
      if (this.resetRequested) return i;
    }
  }
}

/** Index of the next AA D5 in buf[from, end); a lone AA as the last byte counts as a possible start. */
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

function checkMaxPayload(n: number): number {
  if (!Number.isInteger(n) || n < MIN_MAX_PAYLOAD || n > LENGTH_LIMIT) {
    throw new RangeError(`max payload must be an integer from ${MIN_MAX_PAYLOAD} to ${LENGTH_LIMIT}, got ${n}`);
  }
  return n;
}
