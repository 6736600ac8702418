import { appendFile, open, readFile, writeFile } from 'node:fs/promises';
import { FormatError } from '../../protocol/errors.js';

/**
 * An append-only log of records (cc-hardware's PklWriter, as JSON Lines). Each record is one line written by one
 * append, so a crash tears at most the last line, which load skips with a warning — where a pickle stream fails.
 * Uint8Array values are stored as {"$bytes": base64} and come back as Uint8Array; bigint is refused.
 */
export type RecordValue = null | boolean | number | string | Uint8Array | RecordValue[] | { [key: string]: RecordValue };
export type Record_ = { [key: string]: RecordValue };

function encode(record: Record_): string {
  return `${JSON.stringify(record, (_k, v: unknown) => {
    if (v instanceof Uint8Array) return { $bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    if (typeof v === 'bigint') throw new TypeError('records cannot hold bigint values: convert them to number or string');
    return v;
  })}\n`;
}

function decode(line: string): Record_ {
  return JSON.parse(line, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { $bytes?: unknown }).$bytes === 'string') {
      return new Uint8Array(Buffer.from((v as { $bytes: string }).$bytes, 'base64'));
    }
    return v;
  }) as Record_;
}

export class RecordLog {
  constructor(readonly path: string) {}

  /** Replaces the file with this one record. */
  async write(record: Record_): Promise<void> {
    await writeFile(this.path, encode(record));
  }

  async append(record: Record_): Promise<void> {
    await appendFile(this.path, encode(record));
  }

  /** The first record. */
  static async load(path: string): Promise<Record_> {
    const fh = await open(path, 'r');
    try {
      for await (const line of fh.readLines()) return decode(line);
    } finally {
      await fh.close();
    }
    throw new FormatError(`${path} holds no record`);
  }

  /** Every record (or each record's `key`). A torn last line is skipped with a warning; a bad line before it is an error. */
  static async loadAll(path: string, { key, onWarning = (m: string) => process.emitWarning(m) }: { key?: string; onWarning?: (message: string) => void } = {}): Promise<RecordValue[]> {
    const text = await readFile(path, 'utf8');
    const lines = text.split('\n');
    const torn = lines.pop() as string;
    // Each record's newline is its last byte: a line that has one was written whole, so only the bytes after the
    // final newline can be torn by a crash.
    const records = lines.map((line, i) => {
      try {
        return decode(line);
      } catch {
        throw new FormatError(`${path}: line ${i + 1} is not a valid record; the log is corrupt`);
      }
    });
    if (torn !== '') onWarning(`${path}: the last ${Buffer.byteLength(torn)} bytes are an unfinished record (a crash while writing?); skipped`);
    return records.map((r) => (key === undefined ? r : (r[key] ?? null)));
  }
}
