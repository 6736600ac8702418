import { ByteReader, ByteWriter } from '../cursor.js';
import { CapsFlag, DEFAULT_MAX_PAYLOAD, MIN_MAX_PAYLOAD, Opcode } from './constants.js';
import { checkInt, expectSize, opcodeLabel, U16, U32, U8, type Codec } from './payload-codec.js';

/** Payloads of the protocol-level opcodes and of NAKs, laid out as protocol/omv_protocol.h's packed structs. */

/** omv_protocol_caps_t (16 bytes): u32 bitfield flags, u16 max_payload, 10 reserved bytes. */
export interface Caps {
  crc: boolean;
  seq: boolean;
  ack: boolean;
  events: boolean;
  maxPayload: number;
}
export const CAPS_SIZE = 16;
const CAPS_WHAT = `${opcodeLabel(Opcode.PROTO_GET_CAPS)}/${opcodeLabel(Opcode.PROTO_SET_CAPS)} payload`;

/** What the firmware starts with and returns to on PROTO_SYNC (omv_protocol_init_default). */
export const DEFAULT_CAPS: Readonly<Caps> = { crc: true, seq: true, ack: true, events: true, maxPayload: DEFAULT_MAX_PAYLOAD };

/** PROTO_GET_CAPS reply and PROTO_SET_CAPS request. Bits 4..31 and the reserved bytes are ignored and sent as 0. */
export const caps: Codec<Caps> = {
  encode: (c) => {
    const flags = (c.crc ? CapsFlag.CRC : 0) | (c.seq ? CapsFlag.SEQ : 0) | (c.ack ? CapsFlag.ACK : 0) | (c.events ? CapsFlag.EVENTS : 0);
    return new ByteWriter(CAPS_SIZE).u32(flags).u16(checkInt('caps max payload', c.maxPayload, U16, MIN_MAX_PAYLOAD)).bytes;
  },
  decode: (p) => {
    expectSize(p, CAPS_SIZE, CAPS_WHAT);
    const r = new ByteReader(p, CAPS_WHAT);
    const flags = r.u32();
    return {
      crc: (flags & CapsFlag.CRC) !== 0,
      seq: (flags & CapsFlag.SEQ) !== 0,
      ack: (flags & CapsFlag.ACK) !== 0,
      events: (flags & CapsFlag.EVENTS) !== 0,
      maxPayload: r.u16(),
    };
  },
};

/** omv_protocol_stats_t (32 bytes): seven u32 counters and a reserved u32 (openmv-python misnames it). */
export interface Stats {
  sentPackets: number;
  recvPackets: number;
  checksumErrors: number;
  sequenceErrors: number;
  retransmit: number;
  transportErrors: number;
  sentEvents: number;
}
const STATS_FIELDS = ['sentPackets', 'recvPackets', 'checksumErrors', 'sequenceErrors', 'retransmit', 'transportErrors', 'sentEvents'] as const;
export const STATS_SIZE = 32;

/** PROTO_STATS reply. */
export const stats: Codec<Stats> = {
  encode: (s) => {
    const w = new ByteWriter(STATS_SIZE);
    for (const f of STATS_FIELDS) w.u32(checkInt(`stats ${f}`, s[f], U32));
    return w.bytes;
  },
  decode: (p) => {
    const what = `${opcodeLabel(Opcode.PROTO_STATS)} reply`;
    expectSize(p, STATS_SIZE, what);
    const r = new ByteReader(p, what);
    return {
      sentPackets: r.u32(),
      recvPackets: r.u32(),
      checksumErrors: r.u32(),
      sequenceErrors: r.u32(),
      retransmit: r.u32(),
      transportErrors: r.u32(),
      sentEvents: r.u32(),
    };
  },
};

export type Triple = [number, number, number];

/** omv_protocol_version_t (16 bytes): major, minor, patch bytes of each, then 7 reserved bytes. */
export interface Version {
  protocol: Triple;
  bootloader: Triple;
  firmware: Triple;
}
export const VERSION_SIZE = 16;

/** PROTO_VERSION reply. */
export const version: Codec<Version> = {
  encode: (v) => {
    const w = new ByteWriter(VERSION_SIZE);
    for (const [name, t] of [['protocol', v.protocol], ['bootloader', v.bootloader], ['firmware', v.firmware]] as const) {
      for (const n of t) w.u8(checkInt(`${name} version part`, n, U8));
    }
    return w.bytes;
  },
  decode: (p) => {
    const what = `${opcodeLabel(Opcode.PROTO_VERSION)} reply`;
    expectSize(p, VERSION_SIZE, what);
    const r = new ByteReader(p, what);
    const triple = (): Triple => [r.u8(), r.u8(), r.u8()];
    return { protocol: triple(), bootloader: triple(), firmware: triple() };
  },
};

/** A NAK's payload (omv_protocol_response_t): the u16 Status, whatever opcode is refused. */
export const nakStatus: Codec<number> = {
  encode: (s) => new ByteWriter(2).u16(checkInt('NAK status', s, U16)).bytes,
  decode: (p) => {
    expectSize(p, 2, 'NAK status payload');
    return (p[0] as number) | ((p[1] as number) << 8);
  },
};
