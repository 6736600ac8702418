/**
 * OpenMV Protocol V2 constants, as the firmware defines them (openmv/openmv at cbbb877e, protocol version 1.0.2:
 * protocol/omv_protocol.h, protocol/omv_protocol_channel.h, protocol/omv_protocol_hw_caps.h).
 */

export const PROTOCOL_VERSION = [1, 0, 2] as const;

/** Little-endian u16 at the start of every packet; on the wire the bytes are AA D5. */
export const SYNC_WORD = 0xd5aa;
export const SYNC_BYTE_0 = 0xaa;
export const SYNC_BYTE_1 = 0xd5;
/** sync[2] seq[1] chan[1] flags[1] opcode[1] length[2] crc16[2] */
export const HEADER_SIZE = 10;
/** The CRC-32 after the payload; present only when length > 0. */
export const TRAILER_SIZE = 4;
/** The firmware's packet buffer (OMV_PROTOCOL_MAX_BUFFER_SIZE); a board may build with a larger one. */
export const DEFAULT_BUFFER_SIZE = 4096;
/** OMV_PROTOCOL_MAX_PAYLOAD_SIZE: the default, and the most SET_CAPS accepts on a default build. */
export const DEFAULT_MAX_PAYLOAD = DEFAULT_BUFFER_SIZE - HEADER_SIZE - TRAILER_SIZE; // 4082
/** OMV_PROTOCOL_MIN_PAYLOAD_SIZE: the least SET_CAPS accepts (openmv-python's 52 is wrong). */
export const MIN_MAX_PAYLOAD = 64 - HEADER_SIZE - TRAILER_SIZE; // 50
/** The length field is a u16. */
export const LENGTH_LIMIT = 0xffff;
export const MAX_CHANNELS = 32;
/** Channel names are NUL-terminated inside 14 bytes, so at most 13 bytes long. */
export const CHANNEL_NAME_SIZE = 14;
export const MAGIC_BAUDRATE = 921600;
export const DEFAULT_RTX_RETRIES = 3;
/** Doubled after every timeout. */
export const DEFAULT_RTX_TIMEOUT_MS = 500;
export const DEFAULT_POLL_MS = 50;
/** CHANNEL_LOCK is answered BUSY when it comes sooner than this after the previous successful lock. */
export const MIN_LOCK_INTERVAL_MS = 10;

export const Opcode = {
  PROTO_SYNC: 0x00,
  PROTO_GET_CAPS: 0x01,
  PROTO_SET_CAPS: 0x02,
  PROTO_STATS: 0x03,
  PROTO_VERSION: 0x04,
  SYS_RESET: 0x10,
  SYS_BOOT: 0x11,
  SYS_INFO: 0x12,
  SYS_EVENT: 0x13,
  SYS_MEMORY: 0x14,
  CHANNEL_LIST: 0x20,
  CHANNEL_POLL: 0x21,
  CHANNEL_LOCK: 0x22,
  CHANNEL_UNLOCK: 0x23,
  CHANNEL_SHAPE: 0x24,
  CHANNEL_SIZE: 0x25,
  CHANNEL_READ: 0x26,
  CHANNEL_WRITE: 0x27,
  CHANNEL_IOCTL: 0x28,
  CHANNEL_EVENT: 0x29,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];
/** Opcodes up to this one are protocol/system commands, which the firmware accepts on channel 0 only. */
export const SYS_LAST_OPCODE = Opcode.SYS_MEMORY;

export const Flag = {
  ACK: 1 << 0,
  NAK: 1 << 1,
  RTX: 1 << 2,
  ACK_REQ: 1 << 3,
  /** More fragments of the same reply follow. */
  FRAGMENT: 1 << 4,
  EVENT: 1 << 5,
} as const;
export type Flag = (typeof Flag)[keyof typeof Flag];
/** Packets with any of these flags are never acknowledged (OMV_PROTOCOL_FLAG_NO_ACK). */
export const NO_ACK_FLAGS = Flag.ACK | Flag.NAK | Flag.EVENT;

/** The u16 in a NAK payload. */
export const Status = {
  SUCCESS: 0x00,
  FAILED: 0x01,
  INVALID: 0x02,
  TIMEOUT: 0x03,
  BUSY: 0x04,
  CHECKSUM: 0x05,
  SEQUENCE: 0x06,
  OVERFLOW: 0x07,
  FRAGMENT: 0x08,
  UNKNOWN: 0x09,
} as const;
export type Status = (typeof Status)[keyof typeof Status];

/**
 * Event codes (omv_protocol_event_type_t), a u16 payload of SYS_EVENT (channel 0) or CHANNEL_EVENT. NOTIFY is
 * sent with an empty payload, on the stream channel for every new frame and on stdout when text is waiting.
 */
export const SysEvent = {
  CHANNEL_REGISTERED: 0x00,
  CHANNEL_UNREGISTERED: 0x01,
  SOFT_REBOOT: 0x02,
  NOTIFY: 0xffff,
} as const;
export type SysEvent = (typeof SysEvent)[keyof typeof SysEvent];

/** CHANNEL_EVENT codes on the stdin channel (protocol/omv_protocol_channel_stdio.c sends the running flag). */
export const StdinEvent = { SCRIPT_STOPPED: 0, SCRIPT_RUNNING: 1 } as const;

export const ChannelId = {
  /** The physical link itself; not readable through the protocol. */
  TRANSPORT: 0,
  STDIN: 1,
  STDOUT: 2,
  STREAM: 3,
  /** Registered only on firmware built with the profiler. */
  PROFILE: 4,
} as const;
export type ChannelId = (typeof ChannelId)[keyof typeof ChannelId];

export const ChannelFlag = {
  READ: 1 << 0,
  WRITE: 1 << 1,
  EXEC: 1 << 2,
  LOCK: 1 << 3,
  STREAM: 1 << 4,
  DYNAMIC: 1 << 5,
  PHYSICAL: 1 << 6,
} as const;
export type ChannelFlag = (typeof ChannelFlag)[keyof typeof ChannelFlag];

export const StdinIoctl = { STOP: 0x01, EXEC: 0x02, RESET: 0x03 } as const;
export const StreamIoctl = { CTRL: 0x00, RAW_CTRL: 0x01, RAW_CFG: 0x02, SOURCE: 0x03 } as const;
export const ProfileIoctl = { MODE: 0x00, SET_EVENT: 0x01, RESET: 0x02, STATS: 0x03 } as const;

/**
 * Argument bytes the firmware demands for each ioctl of a built-in channel, by channel id then request
 * (OMV_PROTOCOL_CHANNEL_IOCTL_TABLE); another size, or a request not listed, is answered NAK INVALID. Channels
 * with the DYNAMIC flag (registered by a script, possibly under id 4 when there is no profiler) are not checked.
 */
export const IOCTL_ARG_SIZES: Readonly<Record<number, Readonly<Record<number, number>>>> = {
  [ChannelId.STDIN]: { [StdinIoctl.STOP]: 0, [StdinIoctl.EXEC]: 0, [StdinIoctl.RESET]: 0 },
  [ChannelId.STREAM]: { [StreamIoctl.CTRL]: 4, [StreamIoctl.RAW_CTRL]: 4, [StreamIoctl.RAW_CFG]: 8, [StreamIoctl.SOURCE]: 4 },
  [ChannelId.PROFILE]: { [ProfileIoctl.MODE]: 4, [ProfileIoctl.SET_EVENT]: 8, [ProfileIoctl.RESET]: 0, [ProfileIoctl.STATS]: 0 },
};

/** Bits of the GET_CAPS / SET_CAPS flags word (a C bitfield in the firmware, LSB first). */
export const CapsFlag = { CRC: 1 << 0, SEQ: 1 << 1, ACK: 1 << 2, EVENTS: 1 << 3 } as const;

/** SYS_INFO hw_caps[0] bits; bits 8..15 hold the number of PMU event counters. */
export const HwCap = {
  GPU: 1 << 0,
  NPU: 1 << 1,
  ISP: 1 << 2,
  VENC: 1 << 3,
  JPEG: 1 << 4,
  DRAM: 1 << 5,
  CRC: 1 << 6,
  PMU: 1 << 7,
  WIFI: 1 << 16,
  BT: 1 << 17,
  SD: 1 << 18,
  ETH: 1 << 19,
  USB_HS: 1 << 20,
  MULTICORE: 1 << 21,
} as const;
export type HwCapName = keyof typeof HwCap;
export const HW_CAPS_PMU_SHIFT = 8;

/** SYS_MEMORY pool types. */
export const MemType = { GC: 0x00, UMA: 0x01 } as const;

function namer(table: Record<string, number>): (value: number) => string {
  const names = new Map(Object.entries(table).map(([k, v]) => [v, k]));
  return (value) => names.get(value) ?? `0x${value.toString(16).padStart(2, '0')}`;
}

/** "CHANNEL_READ", or "0x7f" for an opcode the firmware does not define. */
export const opcodeName = namer(Opcode);
/** "CHECKSUM", or "0x0c" for a status the firmware does not define. */
export const statusName = namer(Status);

const ALL_FLAGS = Object.values(Flag).reduce((all, bit) => all | bit, 0);

/** "ACK|FRAGMENT", "0" when no flag is set; reserved bits show as hex ("EVENT|0x80"). */
export function flagNames(flags: number): string {
  const set = Object.entries(Flag)
    .filter(([, bit]) => (flags & bit) !== 0)
    .map(([name]) => name);
  if (flags & ~ALL_FLAGS) set.push(`0x${(flags & ~ALL_FLAGS).toString(16)}`);
  return set.length ? set.join('|') : '0';
}
