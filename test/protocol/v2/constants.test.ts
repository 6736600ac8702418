import { describe, expect, it } from 'vitest';
import {
  ChannelFlag, ChannelId, DEFAULT_MAX_PAYLOAD, Flag, flagNames, HEADER_SIZE, HwCap, IOCTL_ARG_SIZES, MIN_MAX_PAYLOAD, Opcode,
  opcodeName, Status, statusName, SYNC_WORD,
} from '../../../protocol/v2/constants.js';

// Expected values are copied by hand from openmv/openmv protocol/omv_protocol.h and omv_protocol_channel.h.
describe('Protocol V2 constants', () => {
  it('match the firmware packet geometry', () => {
    expect(SYNC_WORD).toBe(0xd5aa);
    expect(HEADER_SIZE).toBe(10);
    expect(DEFAULT_MAX_PAYLOAD).toBe(4082);
    expect(MIN_MAX_PAYLOAD).toBe(50);
  });

  it('list every firmware opcode with its value', () => {
    expect(Opcode).toEqual({
      PROTO_SYNC: 0x00, PROTO_GET_CAPS: 0x01, PROTO_SET_CAPS: 0x02, PROTO_STATS: 0x03, PROTO_VERSION: 0x04,
      SYS_RESET: 0x10, SYS_BOOT: 0x11, SYS_INFO: 0x12, SYS_EVENT: 0x13, SYS_MEMORY: 0x14,
      CHANNEL_LIST: 0x20, CHANNEL_POLL: 0x21, CHANNEL_LOCK: 0x22, CHANNEL_UNLOCK: 0x23, CHANNEL_SHAPE: 0x24,
      CHANNEL_SIZE: 0x25, CHANNEL_READ: 0x26, CHANNEL_WRITE: 0x27, CHANNEL_IOCTL: 0x28, CHANNEL_EVENT: 0x29,
    });
  });

  it('match the firmware flags, statuses, channel ids and channel flags', () => {
    expect(Flag).toEqual({ ACK: 0x01, NAK: 0x02, RTX: 0x04, ACK_REQ: 0x08, FRAGMENT: 0x10, EVENT: 0x20 });
    expect(Object.values(Status)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Status.CHECKSUM).toBe(5);
    expect(ChannelId).toEqual({ TRANSPORT: 0, STDIN: 1, STDOUT: 2, STREAM: 3, PROFILE: 4 });
    expect(ChannelFlag).toEqual({ READ: 1, WRITE: 2, EXEC: 4, LOCK: 8, STREAM: 16, DYNAMIC: 32, PHYSICAL: 64 });
    expect([HwCap.PMU, HwCap.WIFI, HwCap.MULTICORE]).toEqual([0x80, 0x10000, 0x200000]);
  });

  it('know the ioctl argument sizes the firmware checks on built-in channels', () => {
    expect(IOCTL_ARG_SIZES).toEqual({
      1: { 1: 0, 2: 0, 3: 0 },
      3: { 0: 4, 1: 4, 2: 8, 3: 4 },
      4: { 0: 4, 1: 8, 2: 0, 3: 0 },
    });
  });

  it('name opcodes, statuses and flags for messages, and show unknown values in hex', () => {
    expect(opcodeName(0x26)).toBe('CHANNEL_READ');
    expect(opcodeName(0x7f)).toBe('0x7f');
    expect(statusName(5)).toBe('CHECKSUM');
    expect(statusName(12)).toBe('0x0c');
    expect(flagNames(0x11)).toBe('ACK|FRAGMENT');
    expect(flagNames(0)).toBe('0');
    expect(flagNames(0xa0)).toBe('EVENT|0x80');
  });
});
