import { open, type FileHandle } from 'node:fs/promises';
import { FormatError, OmvError } from '../../protocol/errors.js';

/**
 * Values a record holds. JSON's, plus two tagged types, each stored as a one-key object:
 *   Uint8Array (Buffer too) ↔ {"$bytes": "<base64>"}   bigint ↔ {"$bigint": "<decimal>"}
 * Loading gives them back as Uint8Array and bigint. Object properties that are undefined are left out, as in JSON.
 * Refused, with a RecordValueError: NaN and ±Infinity, other typed arrays, class instances (Date, Map, …), cycles,
 * and a plain one-key object named like a tag, which could not be told apart from one.
 */
export type RecordValue = null | boolean | number | bigint | string | Uint8Array | RecordValue[] | RecordObject;
export interface RecordObject {
  [key: string]: RecordValue | undefined;
}

export interface LoadOptions {
  /** Told about a torn last record that loadAll skips or append cuts. Default: process.emitWarning. */
  onWarning?: (message: string) => void;
}

/** A value that cannot be stored in a record. */
export class RecordValueError extends OmvError {
  constructor(message: string) {
    super('ERECORDVALUE', message);
  }
}

const CHUNK = 1 << 20;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const defaultWarning = (message: string): void => process.emitWarning(message, { code: 'OMVD_TORN_RECORD' });

/**
 * cc-hardware's PklWriter as an append-only JSON Lines log that survives crashes. Each record is one line, written
 * with one write() call whose last byte is the newline, so a crash can only leave the last line unfinished:
 * loadAll() skips such a line with a warning (where a pickle stream fails), and the first append() of a RecordLog
 * cuts it off before adding, so the log stays readable when a restarted writer carries on. Unlike PklWriter,
 * constructing a RecordLog does not delete the file.
 */
export class RecordLog {
  private tailChecked = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly options: LoadOptions = {},
  ) {}

  /** Replaces the file with this one record (truncating first, as PklWriter.write does). */
  async write(record: RecordObject): Promise<void> {
    const line = encodeLine(record);
    return this.serially(async () => {
      this.tailChecked = false;
      await this.writeLine('w', line);
      this.tailChecked = true;
    });
  }

  /** Adds one record at the end. */
  async append(record: RecordObject): Promise<void> {
    const line = encodeLine(record);
    return this.serially(async () => {
      if (!this.tailChecked) await this.cutTornTail();
      this.tailChecked = false;
      await this.writeLine('a', line);
      this.tailChecked = true;
    });
  }

  /** The first record. */
  static async load(path: string): Promise<RecordObject> {
    for await (const { bytes, line, complete } of readLines(path)) {
      if (!complete) break;
      return parseLine(bytes, path, line);
    }
    throw new FormatError(`${path} holds no complete record`);
  }

  /**
   * Every record, or each record's `key` (null where a record lacks it). A last line that is unfinished (no newline)
   * or not a valid record is skipped with a warning; an invalid line before it means the log is corrupt.
   */
  static loadAll(path: string, options?: LoadOptions & { key?: undefined }): Promise<RecordObject[]>;
  static loadAll(path: string, options: LoadOptions & { key: string }): Promise<RecordValue[]>;
  static async loadAll(path: string, { key, onWarning = defaultWarning }: LoadOptions & { key?: string } = {}): Promise<(RecordObject | RecordValue)[]> {
    const records: RecordObject[] = [];
    let bad: { error: unknown; line: number } | undefined;
    for await (const { bytes, line, complete } of readLines(path)) {
      if (bad) throw bad.error;
      if (!complete) {
        onWarning(`${path}: line ${line}, the last, is an unfinished record of ${bytes.length} bytes (a crash while writing?); skipped`);
        break;
      }
      try {
        records.push(parseLine(bytes, path, line));
      } catch (error) {
        bad = { error, line };
      }
    }
    if (bad) onWarning(`${path}: line ${bad.line}, the last, is not a valid record (a crash while writing?); skipped`);
    return key === undefined ? records : records.map((r) => r[key] ?? null);
  }

  private serially(op: () => Promise<void>): Promise<void> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** One write() for the whole line; only a short write (disk full, > 2 GiB) needs more. */
  private async writeLine(flags: 'w' | 'a', line: Uint8Array): Promise<void> {
    const fh = await open(this.path, flags);
    try {
      for (let done = 0; done < line.length; ) done += (await fh.write(line, done, line.length - done)).bytesWritten;
    } finally {
      await fh.close();
    }
  }

  /** Cuts what loadAll would skip as torn: bytes after the last newline, then the last line if it is not a record. */
  private async cutTornTail(): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await open(this.path, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      const { size } = await fh.stat();
      let keep = await afterLastNewline(fh, size);
      if (keep > 0) {
        const start = await afterLastNewline(fh, keep - 1);
        const last = new Uint8Array(keep - start);
        await readFully(fh, last, start);
        try {
          parseLine(last, this.path, 0);
        } catch {
          keep = start;
        }
      }
      if (keep < size) {
        await fh.truncate(keep);
        (this.options.onWarning ?? defaultWarning)(`${this.path}: cut ${size - keep} bytes of an unfinished record at the end (a crash while writing?) before appending`);
      }
    } finally {
      await fh.close();
    }
  }
}

function encodeLine(record: RecordObject): Uint8Array {
  return Buffer.from(`${JSON.stringify(toJson(record, 'record', new Set()))}\n`, 'utf8');
}

function toJson(value: unknown, where: string, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new RecordValueError(`${where} is ${value}, which JSON cannot hold: store null or a string instead`);
      return value;
    case 'bigint':
      return { $bigint: value.toString() };
    case 'object':
      break;
    default:
      throw new RecordValueError(`${where} is a ${typeof value}, which a record cannot hold`);
  }
  if (value === null) return null;
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (ancestors.has(value)) throw new RecordValueError(`${where} refers back to an object that contains it; records must be trees`);
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    throw new RecordValueError(`${where} is a ${value.constructor?.name ?? 'class instance'}; records hold plain objects, arrays, strings, numbers, booleans, null, bigint and Uint8Array`);
  }
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((v: unknown, i) => (v === undefined ? null : toJson(v, `${where}[${i}]`, ancestors)));
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 1 && (entries[0]![0] === '$bytes' || entries[0]![0] === '$bigint')) {
      throw new RecordValueError(`${where} is an object whose only key is "${entries[0]![0]}", which would load back as a tagged value; add or rename a key`);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, toJson(v, `${where}.${k}`, ancestors)]));
  } finally {
    ancestors.delete(value);
  }
}

function revive(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1) return value;
  const text = (value as Record<string, unknown>)[keys[0]!];
  if (keys[0] === '$bytes') {
    if (typeof text !== 'string' || !BASE64.test(text)) throw new SyntaxError('a $bytes value is not base64');
    return new Uint8Array(Buffer.from(text, 'base64'));
  }
  if (keys[0] === '$bigint') {
    if (typeof text !== 'string' || !/^-?\d+$/.test(text)) throw new SyntaxError('a $bigint value is not a decimal integer');
    return BigInt(text);
  }
  return value;
}

function parseLine(bytes: Uint8Array, path: string, line: number): RecordObject {
  let record: unknown;
  try {
    record = JSON.parse(utf8.decode(bytes), revive);
  } catch (err) {
    throw new FormatError(`${path}: line ${line} is not a valid record (${(err as Error).message}); the log is corrupt`, { cause: err });
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new FormatError(`${path}: line ${line} is not a record (a JSON object); the log is corrupt`);
  return record as RecordObject;
}

/** Each line without its newline; `complete` is false only for bytes after the last newline. */
async function* readLines(path: string): AsyncGenerator<{ bytes: Uint8Array; line: number; complete: boolean }> {
  const fh = await open(path, 'r');
  try {
    let carry: Uint8Array[] = [];
    let line = 1;
    for (let pos = 0; ; ) {
      const chunk = new Uint8Array(CHUNK);
      const { bytesRead } = await fh.read(chunk, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const data = chunk.subarray(0, bytesRead);
      let from = 0;
      for (let nl = data.indexOf(0x0a); nl >= 0; from = nl + 1, nl = data.indexOf(0x0a, from)) {
        yield { bytes: concat([...carry, data.subarray(from, nl)]), line: line++, complete: true };
        carry = [];
      }
      if (from < data.length) carry.push(data.subarray(from));
    }
    if (carry.length) yield { bytes: concat(carry), line, complete: false };
  } finally {
    await fh.close();
  }
}

const concat = (parts: Uint8Array[]): Uint8Array => (parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts));

/** Offset just past the last newline before `end`, or 0. */
async function afterLastNewline(fh: FileHandle, end: number): Promise<number> {
  const buf = new Uint8Array(64 * 1024);
  while (end > 0) {
    const start = Math.max(0, end - buf.length);
    const window = buf.subarray(0, end - start);
    await readFully(fh, window, start);
    const nl = window.lastIndexOf(0x0a);
    if (nl >= 0) return start + nl + 1;
    end = start;
  }
  return 0;
}

async function readFully(fh: FileHandle, into: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < into.length; ) {
    const { bytesRead } = await fh.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new FormatError(`a record log shrank while it was being read (at byte ${position + done})`);
    done += bytesRead;
  }
}
