import { mkdir, open, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../writers/atomic.js';
import type { Store } from './client.js';
import { storeUrl } from './target.js';

/** Where upload state lives: `<camera folder>/.upload/<target id>/`, beside the sync's `.partial/`. */
export const UPLOAD_DIR = '.upload';

/** A file whose object was checked in the store (HeadObject: size and SHA-256) and is therefore delivered. */
export interface Delivered {
  /** Path under the camera folder, '/'-separated (`rec_0001.bin`, `datasets/rec_0001.rtdc`). */
  path: string;
  key: string;
  size: number;
  mtimeMs: number;
  sha256: string;
  recording: string;
  /** `uploaded` by this host, or already `present` in the store with the same content (another host's). */
  how: 'uploaded' | 'present';
  at: string;
}

/** A multipart upload in progress: what a restart checks against ListParts before sending only what is missing. */
export interface PartsState {
  path: string;
  key: string;
  size: number;
  mtimeMs: number;
  sha256: string;
  uploadId: string;
  partSize: number;
  /** Part number → hex MD5 of the part, for every part the store acknowledged. */
  parts: Record<string, string>;
  lastError?: { code: string; message: string; at: string };
}

type Line = ({ event: 'delivered' } & Delivered) | { event: 'deleted'; path: string; at: string };

/**
 * The upload state of one camera folder for one target: an append-only, fsynced JSON Lines log of delivered
 * (and deleted) files, and one small JSON file per multipart upload in progress. A line torn by a crash is dropped
 * on the next open; it only means that file is checked with HeadObject once more.
 */
export class UploadLedger {
  private readonly delivered = new Map<string, Delivered>();
  private readonly deleted = new Set<string>();
  private appending: Promise<void> = Promise.resolve();

  private constructor(readonly dir: string) {}

  static async open(cameraDir: string, store: Pick<Store, 'id' | 'target' | 'label'>): Promise<UploadLedger> {
    const ledger = new UploadLedger(join(cameraDir, UPLOAD_DIR, store.id));
    await mkdir(join(ledger.dir, 'parts'), { recursive: true });
    await writeFileAtomic(join(ledger.dir, 'target.json'), `${JSON.stringify({ url: storeUrl(store.target), store: store.label })}\n`);
    await ledger.load(true);
    return ledger;
  }

  /** Reads the state of a target without creating anything (for `omvd ls`); undefined if nothing was ever uploaded there. */
  static async read(cameraDir: string, id: string): Promise<UploadLedger | undefined> {
    const ledger = new UploadLedger(join(cameraDir, UPLOAD_DIR, id));
    if (!(await stat(ledger.dir).then(() => true, () => false))) return undefined;
    await ledger.load(false);
    return ledger;
  }

  private get logPath(): string {
    return join(this.dir, 'delivered.jsonl');
  }

  /** Reads the log; `repair` (the writer only, never a reader such as `omvd ls`) cuts a line torn by a crash. */
  private async load(repair: boolean): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.logPath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const end = text.lastIndexOf('\n') + 1;
    if (repair && end < text.length) await truncate(this.logPath, Buffer.byteLength(text.slice(0, end)));
    for (const raw of text.slice(0, end).split('\n')) {
      const line = parseLine(raw);
      if (line?.event === 'delivered') {
        this.delivered.set(line.path, line);
        this.deleted.delete(line.path);
      } else if (line?.event === 'deleted') this.deleted.add(line.path);
    }
  }

  get(path: string): Delivered | undefined {
    return this.delivered.get(path);
  }

  isDeleted(path: string): boolean {
    return this.deleted.has(path);
  }

  recordDelivered(d: Delivered): Promise<void> {
    this.delivered.set(d.path, d);
    this.deleted.delete(d.path);
    return this.append({ event: 'delivered', ...d });
  }

  recordDeleted(path: string): Promise<void> {
    this.deleted.add(path);
    return this.append({ event: 'deleted', path, at: new Date().toISOString() });
  }

  private append(line: Line): Promise<void> {
    const write = this.appending.then(async () => {
      const fh = await open(this.logPath, 'a');
      try {
        await fh.write(`${JSON.stringify(line)}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
    });
    this.appending = write.catch(() => undefined);
    return write;
  }

  private partsPath(path: string): string {
    return join(this.dir, 'parts', `${createHash('sha256').update(path).digest('hex').slice(0, 32)}.json`);
  }

  async loadParts(path: string): Promise<PartsState | undefined> {
    try {
      const state = JSON.parse(await readFile(this.partsPath(path), 'utf8')) as PartsState;
      return state.path === path && typeof state.uploadId === 'string' ? state : undefined;
    } catch {
      return undefined;
    }
  }

  saveParts(state: PartsState): Promise<void> {
    return writeFileAtomic(this.partsPath(state.path), JSON.stringify(state));
  }

  dropParts(path: string): Promise<void> {
    return rm(this.partsPath(path), { force: true });
  }

  /** Every multipart upload in progress. */
  async inProgress(): Promise<PartsState[]> {
    const names = await readdir(join(this.dir, 'parts')).catch(() => [] as string[]);
    const states = await Promise.all(names.filter((n) => n.endsWith('.json')).map((n) => readFile(join(this.dir, 'parts', n), 'utf8').then((t) => JSON.parse(t) as PartsState).catch(() => undefined)));
    return states.filter((s): s is PartsState => typeof s?.path === 'string');
  }
}

/** One line of the log; anything else (a line damaged on disk) is skipped, so that file is checked in the store again. */
function parseLine(raw: string): Line | undefined {
  try {
    const line = JSON.parse(raw) as Line;
    return typeof line?.path === 'string' ? line : undefined;
  } catch {
    return undefined;
  }
}
