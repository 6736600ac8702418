import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../protocol/errors.js';
import {
  channelList, channelSize, ioctlRequest, ioctlWords, pollMask, readRequest, shape, writeRequest,
} from '../../../protocol/v2/channel-payloads.js';

const words = (...ws: number[]): Uint8Array => new Uint8Array(new Uint32Array(ws).buffer);
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

describe('channel payloads', () => {
  it('decode CHANNEL_LIST as 16-byte entries: id, flags, NUL-terminated name in 14 bytes', () => {
    const bytes = new Uint8Array(48);
    bytes.set([1, 0x06, ...ascii('stdin')], 0);
    bytes.set([5, 0x21, ...ascii('thirteen-char')], 16);
    bytes.set([3, 0x19, ...ascii('stream'), 0, ...ascii('junk')], 32);
    const list = channelList.decode(bytes);
    expect(list).toEqual([
      { id: 1, flags: 0x06, name: 'stdin' },
      { id: 5, flags: 0x21, name: 'thirteen-char' },
      { id: 3, flags: 0x19, name: 'stream' },
    ]);
    bytes.fill(0, 32 + 8);
    expect(channelList.encode(list)).toEqual(bytes);
    expect(channelList.decode(new Uint8Array(0))).toEqual([]);
  });

  it('read a name that fills all 14 bytes without a NUL, and bound the entry count and ids', () => {
    expect(channelList.decode(new Uint8Array([7, 0, ...ascii('fourteen-chars')]))).toEqual([{ id: 7, flags: 0, name: 'fourteen-chars' }]);
    expect(() => channelList.decode(new Uint8Array(17))).toThrow(FormatError);
    expect(() => channelList.decode(new Uint8Array(16 * 33))).toThrow(/CHANNEL_LIST \(0x20\) reply: expected a multiple of 16 bytes up to 512, got 528/);
    expect(() => channelList.decode(new Uint8Array([32, 0, ...new Array(14).fill(0)]))).toThrow(/channel id 32/);
    expect(() => channelList.encode([{ id: 1, flags: 0, name: 'fourteen-chars' }])).toThrow(RangeError);
    expect(() => channelList.encode([{ id: 1, flags: 0, name: 'a\0b' }])).toThrow(RangeError);
    expect(() => channelList.encode([{ id: 40, flags: 0, name: 'x' }])).toThrow(RangeError);
  });

  it('decode read requests as u32 offset, u32 length', () => {
    expect(readRequest.decode(words(4096, 4082))).toEqual({ offset: 4096, length: 4082 });
    expect(readRequest.encode({ offset: 0xffffffff, length: 1 })).toEqual(words(0xffffffff, 1));
    expect(() => readRequest.decode(new Uint8Array(9))).toThrow(/CHANNEL_READ \(0x26\) request: expected 8 bytes, got 9/);
    expect(() => readRequest.encode({ offset: -1, length: 1 })).toThrow(RangeError);
  });

  it('decode write requests and check the declared data length against the payload', () => {
    const w = writeRequest.encode({ offset: 7, data: new Uint8Array([1, 2, 3]) });
    expect([...w]).toEqual([7, 0, 0, 0, 3, 0, 0, 0, 1, 2, 3]);
    expect(writeRequest.decode(w)).toEqual({ offset: 7, data: new Uint8Array([1, 2, 3]) });
    expect(() => writeRequest.decode(w.subarray(0, 10))).toThrow(/CHANNEL_WRITE \(0x27\) request declaring 3 data bytes: expected 11 bytes, got 10/);
    expect(() => writeRequest.decode(new Uint8Array([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]))).toThrow(FormatError);
    expect(() => writeRequest.decode(new Uint8Array(7))).toThrow(/at least 8 bytes/);
  });

  it('decode ioctl requests as a u32 request and its argument bytes, or u32 argument words', () => {
    expect(ioctlRequest.decode(new Uint8Array([2, 0, 0, 0, 9]))).toEqual({ request: 2, args: new Uint8Array([9]) });
    expect(ioctlRequest.encode({ request: 3, args: new Uint8Array(0) })).toEqual(words(3));
    expect(() => ioctlRequest.decode(new Uint8Array(3))).toThrow(FormatError);
    const rawCfg = words(2, 640, 480);
    expect(ioctlWords.decode(rawCfg)).toEqual({ request: 2, args: [640, 480] });
    expect(ioctlWords.encode({ request: 2, args: [640, 480] })).toEqual(rawCfg);
    expect(() => ioctlWords.decode(new Uint8Array(6))).toThrow(FormatError);
    expect(() => ioctlWords.decode(new Uint8Array(24))).toThrow(FormatError);
    expect(() => ioctlWords.encode({ request: 0, args: [1, 2, 3, 4, 5] })).toThrow(RangeError);
  });

  it('decode the poll mask as the ids of ready channels', () => {
    expect(pollMask.decode(words((1 << 2) | (1 << 3) | (1 << 31)))).toEqual([2, 3, 31]);
    expect(pollMask.decode(words(0))).toEqual([]);
    expect(pollMask.encode([31, 2])).toEqual(words((1 << 2) | (1 << 31)));
    expect(() => pollMask.decode(new Uint8Array(2))).toThrow(/CHANNEL_POLL \(0x21\) reply: expected 4 bytes, got 2/);
    expect(() => pollMask.encode([32])).toThrow(RangeError);
  });

  it('decode size and shape replies', () => {
    expect(channelSize.decode(words(153_632))).toBe(153_632);
    expect(channelSize.encode(0xffffffff)).toEqual(words(0xffffffff));
    expect(() => channelSize.decode(new Uint8Array(8))).toThrow(/CHANNEL_SIZE \(0x25\) reply: expected 4 bytes, got 8/);
    expect(shape.decode(words(320, 240, 2))).toEqual([320, 240, 2]);
    expect(shape.decode(new Uint8Array(0))).toEqual([]);
    expect(shape.encode([12345])).toEqual(words(12345));
    expect(() => shape.decode(new Uint8Array(20))).toThrow(/CHANNEL_SHAPE \(0x24\) reply/);
    expect(() => shape.decode(new Uint8Array(6))).toThrow(FormatError);
    expect(() => shape.encode([1, 2, 3, 4, 5])).toThrow(RangeError);
  });
});
