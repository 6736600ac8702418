import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../protocol/errors.js';
import { caps, DEFAULT_CAPS, nakStatus, stats, version } from '../../../protocol/v2/proto-payloads.js';

/** Little-endian u32 words to bytes, written independently of the codecs under test. */
const words = (...ws: number[]): Uint8Array => new Uint8Array(new Uint32Array(ws).buffer);

describe('protocol payloads', () => {
  it('decode caps as omv_protocol_caps_t: bitfield crc 0, seq 1, ack 2, events 3; u16 max payload; 10 reserved', () => {
    const bytes = new Uint8Array(16);
    bytes.set([0b1011, 0, 0, 0, 0xf2, 0x0f]);
    expect(caps.decode(bytes)).toEqual({ crc: true, seq: true, ack: false, events: true, maxPayload: 4082 });
    expect(caps.encode({ crc: true, seq: true, ack: false, events: true, maxPayload: 4082 })).toEqual(bytes);
    const noisy = bytes.slice();
    noisy.set([0xf4, 0xff, 0xff, 0xff], 0);
    noisy.fill(0x5a, 6);
    expect(caps.decode(noisy)).toEqual({ crc: false, seq: false, ack: true, events: false, maxPayload: 4082 });
  });

  it('start from the firmware defaults (omv_protocol_init_default)', () => {
    expect(DEFAULT_CAPS).toEqual({ crc: true, seq: true, ack: true, events: true, maxPayload: 4082 });
  });

  it('refuse caps of the wrong size and max payloads the firmware refuses', () => {
    expect(() => caps.decode(new Uint8Array(6))).toThrow(FormatError);
    expect(() => caps.decode(new Uint8Array(6))).toThrow(/PROTO_GET_CAPS \(0x01\).*expected 16 bytes, got 6/);
    expect(() => caps.encode({ ...DEFAULT_CAPS, maxPayload: 49 })).toThrow(RangeError);
    expect(() => caps.encode({ ...DEFAULT_CAPS, maxPayload: 65536 })).toThrow(RangeError);
  });

  it('decode stats as eight u32, the last reserved', () => {
    expect(stats.decode(words(1, 2, 3, 4, 5, 6, 7, 99))).toEqual({
      sentPackets: 1, recvPackets: 2, checksumErrors: 3, sequenceErrors: 4, retransmit: 5, transportErrors: 6, sentEvents: 7,
    });
    const s = stats.decode(words(0xffffffff, 0, 1, 2, 3, 4, 5, 0));
    expect(stats.decode(stats.encode(s))).toEqual(s);
    expect(() => stats.decode(new Uint8Array(31))).toThrow(/PROTO_STATS \(0x03\) reply: expected 32 bytes, got 31/);
  });

  it('decode version as 3×3 bytes (protocol, bootloader, firmware) and 7 reserved', () => {
    const v = new Uint8Array([1, 0, 2, 2, 1, 0, 5, 0, 0, 9, 9, 9, 9, 9, 9, 9]);
    expect(version.decode(v)).toEqual({ protocol: [1, 0, 2], bootloader: [2, 1, 0], firmware: [5, 0, 0] });
    expect(version.encode(version.decode(v))).toEqual(new Uint8Array([1, 0, 2, 2, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(() => version.decode(new Uint8Array(9))).toThrow(/PROTO_VERSION \(0x04\) reply: expected 16 bytes, got 9/);
    expect(() => version.encode({ protocol: [1, 0, 256], bootloader: [0, 0, 0], firmware: [0, 0, 0] })).toThrow(RangeError);
  });

  it('decode a NAK payload as its u16 status', () => {
    expect(nakStatus.decode(new Uint8Array([5, 0]))).toBe(5);
    expect(nakStatus.decode(new Uint8Array([0x34, 0x12]))).toBe(0x1234);
    expect(nakStatus.encode(4)).toEqual(new Uint8Array([4, 0]));
    expect(() => nakStatus.decode(new Uint8Array(3))).toThrow(FormatError);
  });
});
