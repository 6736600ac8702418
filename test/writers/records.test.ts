import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { RecordLog, RecordValueError, type RecordObject } from '../../host/writers/records.js';
import { FormatError } from '../../protocol/errors.js';
import { REPO } from '../support/tools.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'omvd-rec-')), 'log.jsonl');
const collect = () => {
  const warnings: string[] = [];
  return { warnings, onWarning: (m: string) => warnings.push(m) };
};

describe('RecordLog round trips', () => {
  it('write truncates, append adds, load reads the first, loadAll every record or one key', async () => {
    const path = file();
    const log = new RecordLog(path);
    await log.write({ a: 0 });
    await log.write({ a: 1, nested: { list: [1, 'two', null, true] } });
    await log.append({ a: 2, gone: undefined });
    await log.append({ b: 3 });
    expect(readFileSync(path, 'utf8')).toBe('{"a":1,"nested":{"list":[1,"two",null,true]}}\n{"a":2}\n{"b":3}\n');
    expect(await RecordLog.load(path)).toEqual({ a: 1, nested: { list: [1, 'two', null, true] } });
    expect(await RecordLog.loadAll(path)).toEqual([{ a: 1, nested: { list: [1, 'two', null, true] } }, { a: 2 }, { b: 3 }]);
    expect(await RecordLog.loadAll(path, { key: 'a' })).toEqual([1, 2, null]);
  });

  it('stores bytes as {"$bytes": base64} and bigint as {"$bigint": decimal}, and loads them back as such', async () => {
    const path = file();
    await new RecordLog(path).write({ data: Uint8Array.of(0, 255, 3), buf: Buffer.from('hi'), empty: new Uint8Array(0), n: 2n ** 70n });
    // 00 FF 03 → "AP8D"; "hi" → "aGk="
    expect(readFileSync(path, 'utf8')).toBe('{"data":{"$bytes":"AP8D"},"buf":{"$bytes":"aGk="},"empty":{"$bytes":""},"n":{"$bigint":"1180591620717411303424"}}\n');
    const rec = await RecordLog.load(path);
    expect(rec.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(rec.data)).toBe(false);
    expect([...(rec.data as Uint8Array)]).toEqual([0, 255, 3]);
    expect([...(rec.buf as Uint8Array)]).toEqual([0x68, 0x69]);
    expect((rec.empty as Uint8Array).length).toBe(0);
    expect(rec.n).toBe(1180591620717411303424n);
  });

  it('keeps records larger than its read buffer whole, across several appends', async () => {
    const path = file();
    const log = new RecordLog(path);
    const big = new Uint8Array(1_700_000).map((_, i) => (i * 31) & 0xff);
    await log.write({ i: 0, big });
    await log.append({ i: 1 });
    await log.append({ i: 2, big });
    const all = await RecordLog.loadAll(path);
    expect(all.map((r) => r.i)).toEqual([0, 1, 2]);
    // (byte-wise toEqual on megabytes is very slow in vitest)
    expect(Buffer.from(all[0]!.big as Uint8Array).equals(big)).toBe(true);
    expect(Buffer.from(all[2]!.big as Uint8Array).equals(big)).toBe(true);
  });

  it('writes each record with a single write() call, even a large one', async () => {
    const path = file();
    const log = new RecordLog(path);
    await log.write({ head: true });
    const probe = await open(path, 'r');
    const proto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => unknown };
    await probe.close();
    const spy = vi.spyOn(proto, 'write');
    try {
      await log.append({ data: new Uint8Array(3_000_000) });
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
    expect((await RecordLog.loadAll(path)).length).toBe(2);
  });

  it('keeps the order of appends that were not awaited one by one', async () => {
    const path = file();
    const log = new RecordLog(path);
    await Promise.all(Array.from({ length: 40 }, (_, i) => log.append({ i, pad: 'x'.repeat((i * 997) % 5000) })));
    expect(await RecordLog.loadAll(path, { key: 'i' })).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('refuses values JSON would change or lose, and writes nothing for them', async () => {
    const path = file();
    const log = new RecordLog(path);
    await log.write({ ok: 1 });
    const cyclic: RecordObject = {};
    cyclic.self = cyclic;
    const bad: [RecordObject, RegExp][] = [
      [{ x: Number.NaN }, /record\.x is NaN/],
      [{ x: [1, Number.POSITIVE_INFINITY] }, /record\.x\[1\] is Infinity/],
      [{ when: new Date(0) as unknown as string }, /record\.when is a Date/],
      [{ f: new Float32Array(2) as unknown as Uint8Array }, /Float32Array/],
      [cyclic, /refers back/],
      [{ tag: { $bytes: 'AAAA' } }, /only key is "\$bytes"/],
    ];
    for (const [record, message] of bad) {
      await expect(log.append(record)).rejects.toThrow(message);
      await expect(log.append(record)).rejects.toBeInstanceOf(RecordValueError);
    }
    expect(readFileSync(path, 'utf8')).toBe('{"ok":1}\n');
  });
});

describe('RecordLog after a crash', () => {
  it('skips an unfinished last line with a warning naming it', async () => {
    const path = file();
    await new RecordLog(path).write({ a: 1 });
    appendFileSync(path, '{"a": 2, "dat');
    const { warnings, onWarning } = collect();
    expect(await RecordLog.loadAll(path, { onWarning })).toEqual([{ a: 1 }]);
    expect(warnings).toEqual([expect.stringMatching(/line 2, the last, is an unfinished record of 13 bytes/)]);
  });

  it('skips a last line that ends in a newline but is not a record, with a warning', async () => {
    const path = file();
    writeFileSync(path, '{"a":1}\n{"a":\0\0\0\n');
    const { warnings, onWarning } = collect();
    expect(await RecordLog.loadAll(path, { onWarning })).toEqual([{ a: 1 }]);
    expect(warnings).toEqual([expect.stringMatching(/line 2, the last, is not a valid record/)]);
  });

  it('warns through process.emitWarning by default', async () => {
    const path = file();
    writeFileSync(path, '{"a":1}\n{"a"');
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      await RecordLog.loadAll(path);
      expect(spy).toHaveBeenCalledWith(expect.stringMatching(/unfinished record/), expect.objectContaining({ code: 'OMVD_TORN_RECORD' }));
    } finally {
      spy.mockRestore();
    }
  });

  it('treats a bad line before the last as corruption, naming the line', async () => {
    const path = file();
    writeFileSync(path, '{"a":1}\nnot json\n{"a":3}\n');
    await expect(RecordLog.loadAll(path)).rejects.toThrow(/log\.jsonl: line 2 is not a valid record/);
    writeFileSync(path, '{"a":1}\n[1,2]\n{"a":3}\n');
    await expect(RecordLog.loadAll(path)).rejects.toThrow(/line 2 is not a record/);
    writeFileSync(path, '{"a":1}\n{"b":{"$bytes":"not base64!"}}\n{"a"');
    await expect(RecordLog.loadAll(path)).rejects.toThrow(FormatError);
  });

  it('load needs one complete first record', async () => {
    const path = file();
    writeFileSync(path, '');
    await expect(RecordLog.load(path)).rejects.toThrow(/holds no complete record/);
    writeFileSync(path, '{"a":1');
    await expect(RecordLog.load(path)).rejects.toThrow(/holds no complete record/);
  });

  it('a reopened log cuts the torn tail before appending, so it stays readable', async () => {
    const path = file();
    await new RecordLog(path).write({ a: 1 });
    appendFileSync(path, '{"a":2}\n{"a": 3, "da');
    const { warnings, onWarning } = collect();
    const reopened = new RecordLog(path, { onWarning });
    await reopened.append({ a: 4 });
    await reopened.append({ a: 5 });
    expect(warnings).toEqual([expect.stringMatching(/cut 12 bytes of an unfinished record/)]);
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"a":2}\n{"a":4}\n{"a":5}\n');
    const later = collect();
    expect(await RecordLog.loadAll(path, { key: 'a', onWarning: later.onWarning })).toEqual([1, 2, 4, 5]);
    expect(later.warnings).toEqual([]);
  });

  it('a reopened log also cuts an invalid last line, which loadAll would have skipped', async () => {
    const path = file();
    writeFileSync(path, '{"a":1}\n{"a":\0\0\n');
    const { warnings, onWarning } = collect();
    await new RecordLog(path, { onWarning }).append({ a: 2 });
    expect(warnings).toHaveLength(1);
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
  });

  it('a writer killed at any moment leaves a log that loads, and can be appended to', async () => {
    const path = file();
    // The child appends ~200 kB records as fast as it can; it is killed while writing.
    const code = `import { RecordLog } from './host/writers/records.js';
      const log = new RecordLog(${JSON.stringify(path)});
      const data = new Uint8Array(150000).fill(7);
      for (let i = 0; ; i++) { await log.append({ i, data }); if (i === 3) process.stdout.write('going\\n'); }`;
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((done, fail) => {
      proc.stdout.on('data', () => setTimeout(done, 30));
      proc.on('exit', (c) => fail(new Error(`appender exited early (${c}): ${stderr}`)));
    });
    proc.kill('SIGKILL');
    await new Promise((done) => proc.on('exit', done));
    const { warnings, onWarning } = collect();
    const indices = await RecordLog.loadAll(path, { key: 'i', onWarning });
    expect(indices.length).toBeGreaterThanOrEqual(4);
    expect(indices).toEqual(Array.from({ length: indices.length }, (_, i) => i));
    expect(warnings.length).toBeLessThanOrEqual(1);
    await new RecordLog(path, { onWarning: () => undefined }).append({ i: 'after' });
    const after = await RecordLog.loadAll(path, { key: 'i', onWarning: () => expect.unreachable('no torn line after a clean append') });
    expect(after.at(-1)).toBe('after');
    expect(after.length).toBe(indices.length + 1);
  });
});
