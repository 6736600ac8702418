import { ChannelFlag, ChannelId, payloads, StreamIoctl, SysEvent } from '../../../../protocol/v2/index.js';
import { decodePixformat, frameDataSize, isValidPixformat } from '../../../../protocol/imageio/pixformat.js';
import type { ChannelHost, DeviceChannel } from './types.js';

/** A frame as the stream buffer holds it: raw pixels (width*height*bpp, as image_size) or a JPEG/PNG bitstream. */
export interface StreamFrameInput {
  width: number;
  height: number;
  /** An OpenMV pixformat word (protocol/imageio Pixformat). */
  pixformat: number;
  data: Uint8Array;
}

export interface StreamChannelOptions {
  /** The stream buffer's raw_size (OMV_SB_SIZE): header plus frame. 32 KiB on the OpenMV Cam H7. */
  bufferSize?: number;
  /** sizeof(framebuffer_header_t): 24 bytes of fields padded to the cache line, 32 on the H7. */
  headerSize?: number;
  /** fb->enabled at boot (the firmware keeps it across soft reboots; it starts off). */
  enabled?: boolean;
}

/** mutex_t owners (common/mutex.h). */
const TID_NONE = 0;
const TID_IDE = 1;
const TID_OMV = 2;
const COMPRESSED = 1 << 25;

/**
 * Channel 3, "stream" (protocol/omv_protocol_channel_stream.c and framebuffer_update_preview): the stream
 * buffer, a header then one frame, guarded by a mutex the host takes with CHANNEL_LOCK. The camera's side is a
 * *fair* try-lock: after storing a frame it cannot store another until the host has locked (and so, read) it.
 * The host's lock succeeds only while a frame is there; its unlock zeroes the header, emptying the channel.
 */
export class StreamChannel implements DeviceChannel {
  readonly name = 'stream';
  readonly flags = ChannelFlag.READ | ChannelFlag.LOCK | ChannelFlag.STREAM;
  /** fb->enabled (STREAM_CTRL); the sensor's frames are dropped while false. */
  enabled: boolean;
  /** fb->raw_enabled, raw_w, raw_h (STREAM_RAW_CTRL/RAW_CFG): whether the camera may send raw frames, and how big. */
  rawEnabled = false;
  rawWidth = 0;
  rawHeight = 0;
  /** fb->source (STREAM_SOURCE): the sensor chip id the stream shows. */
  source = 0;
  private readonly raw: Uint8Array;
  private readonly view: DataView;
  private readonly headerSize: number;
  private locked = false;
  private owner = TID_NONE;
  // framebuffer_t fields that SHAPE reports: they outlive the header the host's unlock zeroes.
  private fbWidth = 0;
  private fbHeight = 0;
  private fbPixformat = 0;
  private fbSize = 0;
  private fpsLastMs = 0;
  private fpsFrameTime = 0;

  constructor(
    private readonly host: ChannelHost,
    options: StreamChannelOptions = {},
  ) {
    this.headerSize = options.headerSize ?? 32;
    const size = options.bufferSize ?? 32 * 1024;
    if (this.headerSize < payloads.STREAM_HEADER_FIELDS_SIZE || size <= this.headerSize) {
      throw new RangeError(`stream buffer of ${size} bytes cannot hold a ${this.headerSize}-byte header and a frame`);
    }
    this.raw = new Uint8Array(size);
    this.view = new DataView(this.raw.buffer);
    this.enabled = options.enabled ?? false;
  }

  /** Who holds the buffer's mutex right now. */
  get lockedBy(): 'host' | 'camera' | null {
    return !this.locked ? null : this.owner === TID_IDE ? 'host' : 'camera';
  }

  /** The frame rate estimate the header carries (1000 / EMA of the frame interval). */
  get fps(): number {
    return this.fpsFrameTime > 0 ? Math.fround(1000 / this.fpsFrameTime) : 0;
  }

  init(): boolean {
    return this.unlock();
  }

  poll(): boolean {
    return this.size() !== 0;
  }

  /** Header plus frame bytes, from the header in the buffer (image_size of its fields); 0 when it is zeroed. */
  size(): number {
    const v = this.view;
    const width = v.getUint32(0, true);
    const height = v.getUint32(4, true);
    const pixformat = v.getUint32(8, true);
    if (!isValidPixformat(pixformat)) return 0;
    const bytes = decodePixformat(pixformat).compressed ? v.getUint32(12, true) : frameDataSize(width, height, pixformat);
    return bytes ? bytes + this.headerSize : 0;
  }

  /** (size) for a compressed frame, (w, h, bpp) otherwise, from the last frame stored (not the header). */
  shape(): number[] {
    return this.fbPixformat & COMPRESSED ? [this.fbSize] : [this.fbWidth, this.fbHeight, this.fbPixformat & 0xff];
  }

  /** Only while a frame is there, and nobody holds the mutex (the camera does, briefly, while storing). */
  lock(): boolean {
    if (!this.size() || this.locked) return false;
    this.locked = true;
    this.owner = TID_IDE;
    return true;
  }

  /** Releases the host's hold, zeroing the header so the camera stores a fresh frame; succeeds even when not held. */
  unlock(): boolean {
    if (this.owner === TID_IDE) {
      this.raw.fill(0, 0, this.headerSize);
      this.locked = false;
    }
    return true;
  }

  /** Zero-copy: a view of header+frame from `offset`, or null if it reaches past what size() says. Needs no lock. */
  readp(offset: number, size: number): Uint8Array | null {
    if (offset + size > this.size()) return null;
    return this.raw.subarray(offset, offset + size);
  }

  ioctl(request: number, arg: Uint8Array | null): number {
    const words = new DataView(new ArrayBuffer(16));
    if (arg) new Uint8Array(words.buffer).set(arg.subarray(0, 16));
    const word = (i: number): number => words.getUint32(i * 4, true);
    switch (request) {
      case StreamIoctl.CTRL:
        this.enabled = (word(0) & 0xff) !== 0; // fb->enabled is a uint8_t
        this.owner = TID_NONE; // mutex_init0
        this.locked = false;
        this.raw.fill(0, 0, this.headerSize);
        return 0;
      case StreamIoctl.RAW_CFG:
        this.rawWidth = (word(0) << 16) >> 16; // int16_t
        this.rawHeight = (word(1) << 16) >> 16;
        return 0;
      case StreamIoctl.RAW_CTRL:
        this.rawEnabled = (word(0) & 0xff) !== 0;
        return 0;
      case StreamIoctl.SOURCE:
        this.source = word(0);
        return 0;
      default:
        return -1;
    }
  }

  /**
   * framebuffer_update_preview, for a frame already in its stream form (the caller scales or JPEG-compresses it,
   * as the firmware would, by rawEnabled/rawWidth/rawHeight). Tracks the frame rate, then stores the frame only
   * when streaming is enabled and the camera's fair try-lock succeeds (not while the host holds the buffer, nor
   * again before the host has taken the last one). A frame too big for the buffer leaves an empty header and
   * frees the mutex. Every store sends a NOTIFY event on the stream channel. true when the frame was stored.
   */
  setFrame(frame: StreamFrameInput): boolean {
    this.trackFps();
    if (!this.enabled || !isValidPixformat(frame.pixformat)) return false;
    if (this.owner === TID_OMV || this.locked) return false; // mutex_try_lock_fair(&fb->lock, MUTEX_TID_OMV)
    this.locked = true;
    this.owner = TID_OMV;
    const compressed = decodePixformat(frame.pixformat).compressed;
    const bytes = compressed ? frame.data.length : frameDataSize(frame.width, frame.height, frame.pixformat);
    if (frame.data.length < bytes) {
      this.locked = false;
      throw new RangeError(`a ${frame.width}x${frame.height} frame needs ${bytes} data bytes, got ${frame.data.length}`);
    }
    const overflow = bytes > this.raw.length - this.headerSize;
    if (overflow) {
      this.fbWidth = this.fbHeight = this.fbSize = this.fbPixformat = 0;
    } else {
      this.fbWidth = frame.width;
      this.fbHeight = frame.height;
      this.fbPixformat = frame.pixformat >>> 0;
      this.fbSize = compressed ? bytes : frame.pixformat & 0xff; // a raw frame's size field is its bpp
      this.raw.set(frame.data.subarray(0, bytes), this.headerSize);
    }
    const header = payloads.streamHeader.encode({
      width: this.fbWidth,
      height: this.fbHeight,
      pixformat: this.fbPixformat,
      size: this.fbPixformat & COMPRESSED ? this.fbSize : this.fbPixformat & 0xff,
      offset: this.headerSize,
      fps: this.fps,
    });
    this.raw.set(header, 0);
    if (overflow) this.owner = TID_NONE; // mutex_init0: the next frame may try again at once
    this.locked = false;
    this.host.sendEvent(ChannelId.STREAM, SysEvent.NOTIFY, false);
    return true;
  }

  private trackFps(): void {
    const now = this.host.now();
    if (this.fpsLastMs) {
      const delta = (now - this.fpsLastMs) >>> 0;
      if (delta > 0) this.fpsFrameTime = this.fpsFrameTime > 0 ? Math.fround(Math.fround(this.fpsFrameTime * 0.9) + Math.fround(delta * 0.1)) : delta;
    }
    this.fpsLastMs = now;
  }
}
