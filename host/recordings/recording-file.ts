import { open, type FileHandle } from 'node:fs/promises';
import { OmvError } from '../../protocol/errors.js';
import { ImageIoIndexer, type FrameEntry, type IndexError, type Tail } from '../../protocol/imageio/indexer.js';
import type { ImageIoVersion } from '../../protocol/imageio/format.js';

const READ_SIZE = 1 << 20;

/**
 * An ImageIO recording on the host's disk: indexed by scanning in 1 MiB reads (constant memory whatever its
 * size), frames read by position. `refresh()` indexes bytes appended since, for files still being synced.
 */
export class RecordingFile {
  private readonly indexer = new ImageIoIndexer();
  private readonly buf = new Uint8Array(READ_SIZE);

  private constructor(readonly path: string, private readonly fh: FileHandle) {}

  static async open(path: string): Promise<RecordingFile> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      throw new OmvError('ENOENT', `cannot open recording ${path}: ${(err as Error).message}`, { cause: err });
    }
    const rec = new RecordingFile(path, fh);
    await rec.refresh();
    return rec;
  }

  get version(): ImageIoVersion | undefined {
    return this.indexer.version;
  }
  get frames(): readonly FrameEntry[] {
    return this.indexer.frames;
  }
  get tail(): Tail | undefined {
    return this.indexer.tail();
  }
  get error(): IndexError | undefined {
    return this.indexer.error;
  }
  get bytes(): number {
    return this.indexer.bytesSeen;
  }

  /** Indexes whatever the file gained since the last call; returns how many frames that added. */
  async refresh(): Promise<number> {
    const before = this.indexer.frames.length;
    for (;;) {
      const { bytesRead } = await this.fh.read(this.buf, 0, READ_SIZE, this.indexer.bytesSeen);
      if (bytesRead === 0) break;
      this.indexer.push(this.buf.subarray(0, bytesRead));
      if (this.indexer.error) break;
    }
    return this.indexer.frames.length - before;
  }

  /** The stored pixel bytes of frame `index` (a fresh buffer). */
  async read(index: number): Promise<Uint8Array> {
    const frame = this.indexer.frames[index];
    if (!frame) throw new RangeError(`frame ${index} is out of range: ${this.path} has ${this.indexer.frames.length} complete frames`);
    const out = new Uint8Array(frame.dataLength);
    const { bytesRead } = await this.fh.read(out, 0, out.length, frame.dataOffset);
    if (bytesRead !== out.length) throw new OmvError('ETRUNCATED', `${this.path} shrank: frame ${index} needs bytes up to ${frame.dataOffset + frame.dataLength}`);
    return out;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Human sentence for what could not be read past, or undefined when the recording is whole. */
export function describeDamage(rec: Pick<RecordingFile, 'tail' | 'error' | 'frames' | 'bytes'>): string | undefined {
  if (rec.error) return `stopped at byte ${rec.error.offset} of ${rec.bytes}: ${rec.error.message}; the ${rec.frames.length} frames before it are intact`;
  const t = rec.tail;
  if (t) return `the last ${t.have} bytes (from byte ${t.offset}) are an incomplete record (${t.reason}, ${t.need} bytes missing)`;
  return undefined;
}
