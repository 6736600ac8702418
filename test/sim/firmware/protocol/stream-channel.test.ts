import { describe, expect, it } from 'vitest';
import { Flag, Opcode, payloads, Status, StreamIoctl, type Packet } from '../../../../protocol/v2/index.js';
import { Pixformat } from '../../../../protocol/imageio/pixformat.js';
import { bytes, only, READ, rig, statusOf, withBuiltins } from './fake-host.js';

const isFrameNotify = (p: Packet): boolean => p.opcode === Opcode.CHANNEL_EVENT && p.chan === 3 && p.flags === Flag.EVENT && p.payload.length === 0;
const jpeg = (n: number, seed = 1) => ({ width: 320, height: 240, pixformat: Pixformat.JPEG, data: bytes(n, seed) });
const words = (request: number, ...args: number[]): Uint8Array => payloads.ioctlWords.encode({ request, args });
const joined = (parts: Packet[]): Uint8Array => new Uint8Array(Buffer.concat(parts.map((p) => p.payload)));

function streaming(options = {}) {
  const r = rig();
  const { stream } = withBuiltins(r, {}, { enabled: true, ...options });
  const size = (): number => payloads.channelSize.decode(only(r.call(Opcode.CHANNEL_SIZE, 3)).payload);
  const lock = (): number | 'ACK' => statusOf(only(r.call(Opcode.CHANNEL_LOCK, 3)));
  const unlock = (): number | 'ACK' => statusOf(only(r.call(Opcode.CHANNEL_UNLOCK, 3)));
  return { ...r, stream, size, lock, unlock };
}

describe('stream channel', () => {
  it('drops frames while streaming is disabled; STREAM_CTRL turns it on', () => {
    const r = rig();
    const { stream } = withBuiltins(r, {}, {});
    expect(stream.setFrame(jpeg(100))).toBe(false);
    expect(r.host.packets.filter(isFrameNotify)).toEqual([]);
    expect(statusOf(only(r.call(Opcode.CHANNEL_IOCTL, 3, words(StreamIoctl.CTRL, 1))))).toBe('ACK');
    expect(stream.setFrame(jpeg(100))).toBe(true);
    expect(r.host.packets.filter(isFrameNotify)).toHaveLength(1);
  });

  it('lock, read header and frame through readp, unlock: the unlock empties the channel for the next frame', () => {
    const s = streaming();
    const frame = jpeg(1000, 7);
    expect(s.stream.setFrame(frame)).toBe(true);
    expect(s.size()).toBe(32 + 1000);
    expect(payloads.pollMask.decode(only(s.call(Opcode.CHANNEL_POLL)).payload)).toEqual([3]);
    expect(payloads.shape.decode(only(s.call(Opcode.CHANNEL_SHAPE, 3)).payload)).toEqual([1000]);
    expect(s.lock()).toBe('ACK');
    expect(s.stream.lockedBy).toBe('host');
    expect(s.stream.setFrame(jpeg(50))).toBe(false); // the host holds the buffer
    const read = s.call(Opcode.CHANNEL_READ, 3, READ(0, 1032));
    const { header, data } = payloads.streamFrame.decode(joined(read));
    expect(header).toEqual({ width: 320, height: 240, pixformat: Pixformat.JPEG, size: 1000, offset: 32, fps: 0 });
    expect(data).toEqual(frame.data);
    expect(statusOf(only(s.call(Opcode.CHANNEL_READ, 3, READ(1, 1032))))).toBe(Status.FAILED); // past the frame
    expect(s.unlock()).toBe('ACK');
    expect(s.size()).toBe(0);
    expect(payloads.shape.decode(only(s.call(Opcode.CHANNEL_SHAPE, 3)).payload)).toEqual([1000]); // shape outlives the header
    s.host.clock += 20;
    expect(s.lock()).toBe(Status.BUSY); // nothing to lock
    expect(s.stream.setFrame(jpeg(60))).toBe(true);
    expect(s.size()).toBe(92);
  });

  it('the camera cannot replace a frame the host has not locked yet (fair try-lock)', () => {
    const s = streaming();
    expect(s.stream.setFrame(jpeg(100, 1))).toBe(true);
    expect(s.stream.setFrame(jpeg(200, 2))).toBe(false);
    expect(s.size()).toBe(132);
    expect(s.host.packets.filter(isFrameNotify)).toHaveLength(1);
  });

  it('a raw frame: size is w*h*bpp, shape (w, h, bpp), and the header size field holds the bpp', () => {
    const s = streaming();
    expect(s.stream.setFrame({ width: 8, height: 4, pixformat: Pixformat.RGB565, data: bytes(64) })).toBe(true);
    expect(s.size()).toBe(32 + 64);
    expect(payloads.shape.decode(only(s.call(Opcode.CHANNEL_SHAPE, 3)).payload)).toEqual([8, 4, 2]);
    const header = payloads.streamHeader.decode(joined(s.call(Opcode.CHANNEL_READ, 3, READ(0, 32))));
    expect(header).toMatchObject({ width: 8, height: 4, pixformat: Pixformat.RGB565, size: 2 });
  });

  it('a frame too big for the buffer leaves an empty header, frees the lock and still notifies', () => {
    const s = streaming({ bufferSize: 256 });
    expect(s.stream.setFrame(jpeg(300))).toBe(true);
    expect(s.host.packets.filter(isFrameNotify)).toHaveLength(1);
    expect(s.size()).toBe(0);
    expect(payloads.shape.decode(only(s.call(Opcode.CHANNEL_SHAPE, 3)).payload)).toEqual([0, 0, 0]);
    expect(s.stream.setFrame(jpeg(200))).toBe(true); // mutex_init0: no need to wait for the host
    expect(s.size()).toBe(232);
  });

  it('CHANNEL_LOCK is BUSY within the lock interval of the previous successful lock', () => {
    const s = streaming();
    s.stream.setFrame(jpeg(10));
    expect(s.lock()).toBe('ACK');
    expect(s.unlock()).toBe('ACK');
    expect(s.stream.setFrame(jpeg(10))).toBe(true);
    s.host.clock += 10;
    expect(s.lock()).toBe(Status.BUSY); // (now - last) > 10 is required
    s.host.clock += 1;
    expect(s.lock()).toBe('ACK');
    expect(s.lock()).toBe(Status.BUSY);
  });

  it('UNLOCK always succeeds and only clears the header when the host held the lock', () => {
    const s = streaming();
    s.stream.setFrame(jpeg(10));
    expect(s.unlock()).toBe('ACK');
    expect(s.size()).toBe(42);
  });

  it('a PROTO_SYNC unlocks every channel, which empties a stream frame the host held', () => {
    const s = streaming();
    s.stream.setFrame(jpeg(10));
    expect(s.lock()).toBe('ACK');
    s.call(Opcode.PROTO_SYNC);
    expect(s.stream.lockedBy).toBe(null);
    expect(s.size()).toBe(0);
  });

  it('the header carries the frame rate from the interval between frames', () => {
    const s = streaming();
    s.stream.setFrame(jpeg(10));
    s.host.clock += 20;
    s.lock();
    s.unlock();
    s.host.clock += 20;
    expect(s.stream.setFrame(jpeg(10))).toBe(true);
    const header = payloads.streamHeader.decode(joined(s.call(Opcode.CHANNEL_READ, 3, READ(0, 32))));
    expect(header.fps).toBe(25);
  });

  it('stream ioctls set raw streaming, its resolution (int16) and the source; CTRL keeps only the low byte', () => {
    const s = streaming();
    expect(statusOf(only(s.call(Opcode.CHANNEL_IOCTL, 3, words(StreamIoctl.RAW_CFG, 640, 0x18000))))).toBe('ACK');
    expect(statusOf(only(s.call(Opcode.CHANNEL_IOCTL, 3, words(StreamIoctl.RAW_CTRL, 1))))).toBe('ACK');
    expect(statusOf(only(s.call(Opcode.CHANNEL_IOCTL, 3, words(StreamIoctl.SOURCE, 0x5640))))).toBe('ACK');
    expect([s.stream.rawWidth, s.stream.rawHeight, s.stream.rawEnabled, s.stream.source]).toEqual([640, -32768, true, 0x5640]);
    s.stream.setFrame(jpeg(10));
    expect(statusOf(only(s.call(Opcode.CHANNEL_IOCTL, 3, words(StreamIoctl.CTRL, 256))))).toBe('ACK');
    expect(s.stream.enabled).toBe(false);
    expect(s.size()).toBe(0); // and the buffer was reset
  });
});
