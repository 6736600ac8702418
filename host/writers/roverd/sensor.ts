import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic.js';
import { BlobChannel } from '../channels/blob.js';
import { RawChannel } from '../channels/raw.js';
import { parseDtype, type Dtype } from '../dtype.js';
import { TraceError } from './errors.js';
import { checkChannelMeta, checkName, formatSensorMeta, type ChannelMeta, type SensorMeta } from './meta.js';
import { sampleOf, type FrameValue } from './sample.js';

export interface TraceFrame {
  /** Unix epoch seconds; appended to `ts` only after every other channel of the frame is on disk. */
  ts: number;
  /** The stored bytes for each blob channel added with `addBlobChannel` (all of them). */
  blobs?: Record<string, Uint8Array>;
  /** One sample for each raw channel added with `addRawChannel` (all of them). */
  values?: Record<string, FrameValue>;
}

/** The `ts` entry roverc writes. */
const TS_META: ChannelMeta = { format: 'raw', type: 'f8', shape: [], desc: 'Timestamp, in seconds.' };

/**
 * One sensor folder of a roverd trace, written frame by frame: `meta.json` (before any data, rewritten atomically
 * whenever a channel is added), `ts` (raw f8 epoch seconds), and the frame's channels. roverd takes the sensor's
 * length from `ts`, and `appendFrame` appends the ts sample last, so a frame cut short by a crash is never counted.
 * Channels are added before the first frame, so every channel has one sample per `ts` sample.
 */
export class TraceSensor {
  readonly ts: RawChannel;
  private readonly meta: SensorMeta = { ts: TS_META };
  private readonly raws = new Map<string, RawChannel>();
  private readonly blobs = new Map<string, BlobChannel>();
  private readonly sideFiles = new Set<string>();
  private started = false;
  private tail: Promise<void> = Promise.resolve();
  private failure: { err: unknown } | undefined;

  private constructor(readonly path: string) {
    this.ts = new RawChannel(join(path, 'ts'), 'f8', []);
  }

  /** Creates `<traceDir>/<name>/` with an empty `ts` and meta.json; an existing sensor folder is a TraceError. */
  static async create(traceDir: string, name: string): Promise<TraceSensor> {
    const sensor = new TraceSensor(join(traceDir, checkName('sensor', name)));
    try {
      await mkdir(sensor.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      throw new TraceError(`${sensor.path} already exists: remove it or name the sensor differently`, { cause: err });
    }
    await writeFile(sensor.ts.path, new Uint8Array(0));
    await sensor.saveMeta();
    return sensor;
  }

  /** A raw channel with one sample per frame, passed in `values`. */
  async addRawChannel(name: string, dtype: Dtype, shape: number[], desc: string): Promise<RawChannel> {
    const channel = new RawChannel(join(this.path, checkName('channel', name)), parseDtype(dtype), shape);
    await this.register(name, { format: 'raw', type: channel.dtype, shape: channel.shape, desc }, () => writeFile(channel.path, new Uint8Array(0), { flag: 'wx' }));
    this.raws.set(name, channel);
    return channel;
  }

  /** A blob channel (`jpg` or `npz`) with one stored blob per frame, passed in `blobs`; dtype and shape describe the decoded sample. */
  async addBlobChannel(name: string, ext: 'jpg' | 'npz', dtype: Dtype, shape: number[], desc: string): Promise<BlobChannel> {
    const channel = new BlobChannel(join(this.path, checkName('channel', name)), parseDtype(dtype), shape, { ext });
    await this.register(name, { format: ext, type: channel.dtype, shape: channel.shape, desc }, () => mkdir(channel.path));
    this.blobs.set(name, channel);
    return channel;
  }

  /**
   * Declares a channel whose file another module writes (e.g. `video.avi`, format `mjpg`, from an AVI writer), and
   * returns its path. That module writes each frame's data before `appendFrame` appends the frame's ts.
   */
  addChannel(name: string, meta: ChannelMeta): Promise<string> {
    return this.register(name, meta);
  }

  /** Writes one frame: every blob and raw channel's sample, then its ts. Frames are written in call order. */
  appendFrame(frame: TraceFrame): Promise<void> {
    const done = this.tail.then(() => this.write(frame));
    this.tail = done.catch(() => undefined);
    return done;
  }

  /** Frames as roverd counts them: floor(size of ts / 8). */
  length(): Promise<number> {
    return this.ts.length();
  }

  /** Extra information (board, recording) as JSON in its own file: roverd refuses unknown keys in meta.json. */
  async writeSideFile(name: string, value: unknown): Promise<void> {
    checkName('side file', name);
    if (Object.hasOwn(this.meta, name) || name === 'meta.json') throw new TraceError(`${this.path}: "${name}" is a channel or meta.json; choose another side-file name`);
    this.sideFiles.add(name);
    await writeFileAtomic(join(this.path, name), `${JSON.stringify(value, null, 2)}\n`);
  }

  /** Waits for pending frames and removes the blob channels' temp folders. */
  async close(): Promise<void> {
    await this.tail;
    for (const blob of this.blobs.values()) await blob.close();
  }

  private async write(frame: TraceFrame): Promise<void> {
    if (this.failure) {
      throw new TraceError(`${this.path}: an earlier frame failed part-way, so some channels may hold one sample more than ts; write the rest to a new sensor`, { cause: this.failure.err });
    }
    const plan = this.plan(frame);
    this.started = true;
    try {
      for (const [channel, blob] of plan.blobs) await channel.write([blob], { append: true });
      for (const [channel, sample] of plan.values) await channel.write(sample, { append: true });
      await this.ts.write(Float64Array.of(frame.ts), { append: true });
    } catch (err) {
      this.failure = { err };
      throw err;
    }
  }

  /** Checks the whole frame before anything is written: a frame that does not fit writes nothing. */
  private plan(frame: TraceFrame) {
    if (typeof frame.ts !== 'number' || !Number.isFinite(frame.ts)) throw new RangeError(`${this.path}: ts must be a finite number of epoch seconds, got ${frame.ts}`);
    const blobs = this.pick('blobs', this.blobs, frame.blobs).map(([name, channel, blob]) => {
      if (!(blob instanceof Uint8Array) || blob.length === 0) throw new TypeError(`${this.path}: blob for "${name}" must be a non-empty Uint8Array of the stored file's bytes`);
      return [channel, blob] as const;
    });
    const values = this.pick('values', this.raws, frame.values).map(([name, channel, value]) => [channel, sampleOf(channel, name, value)] as const);
    return { blobs, values };
  }

  /** The frame's item for each channel of `channels`; one missing or one without a channel is a TraceError. */
  private pick<C, V>(kind: string, channels: Map<string, C>, given: Record<string, V> = {}): [string, C, V][] {
    const unknown = Object.keys(given).filter((n) => !channels.has(n));
    if (unknown.length > 0) {
      throw new TraceError(`${this.path}: the frame has ${kind} for ${unknown.map((n) => `"${n}"`).join(', ')} but this sensor has no such channel; add it before the first frame`);
    }
    const missing = [...channels.keys()].filter((n) => !Object.hasOwn(given, n));
    if (missing.length > 0) {
      throw new TraceError(`${this.path}: the frame has no ${kind} for ${missing.map((n) => `"${n}"`).join(', ')}; every frame needs one sample per channel`);
    }
    return [...channels].map(([n, c]) => [n, c, given[n] as V]);
  }

  private async register(name: string, meta: ChannelMeta, create?: () => Promise<unknown>): Promise<string> {
    checkName('channel', name);
    if (this.started) throw new TraceError(`${this.path}: channel "${name}" added after the first frame; add every channel before appending frames`);
    if (Object.hasOwn(this.meta, name) || this.sideFiles.has(name) || name === 'meta.json') {
      throw new TraceError(`${this.path}: "${name}" is already taken in this sensor; choose another channel name`);
    }
    const entry = checkChannelMeta(meta, `${this.path}: channel "${name}"`);
    parseDtype(entry.type);
    await create?.();
    this.meta[name] = entry;
    await this.saveMeta();
    return join(this.path, name);
  }

  private saveMeta(): Promise<void> {
    return writeFileAtomic(join(this.path, 'meta.json'), formatSensorMeta(this.meta));
  }
}
