import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordLog } from '../../host/writers/records.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'omvd-rec-')), 'log.jsonl');

describe('RecordLog', () => {
  it('write truncates, append adds, load reads the first, loadAll every record or one key', async () => {
    const path = file();
    const log = new RecordLog(path);
    await log.write({ a: 0 });
    await log.write({ a: 1, nested: { list: [1, 'two', null] } });
    await log.append({ a: 2 });
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(3);
    expect(await RecordLog.load(path)).toEqual({ a: 1, nested: { list: [1, 'two', null] } });
    expect(await RecordLog.loadAll(path, { key: 'a' })).toEqual([1, 2]);
  });

  it('keeps bytes as bytes and refuses bigint', async () => {
    const path = file();
    await new RecordLog(path).write({ data: Uint8Array.of(0, 255, 3) });
    const [rec] = (await RecordLog.loadAll(path)) as { data: Uint8Array }[];
    expect(rec!.data).toBeInstanceOf(Uint8Array);
    expect([...rec!.data]).toEqual([0, 255, 3]);
    await expect(new RecordLog(path).append({ n: 1n as unknown as number })).rejects.toThrow(/bigint/);
  });

  it('skips a record torn by a crash, with a warning, where a pickle stream would fail', async () => {
    const path = file();
    await new RecordLog(path).write({ a: 1 });
    appendFileSync(path, '{"a": 2, "dat');
    const warnings: string[] = [];
    expect(await RecordLog.loadAll(path, { onWarning: (m) => warnings.push(m) })).toEqual([{ a: 1 }]);
    expect(warnings).toEqual([expect.stringMatching(/last 13 bytes are an unfinished record/)]);
  });

  it('treats a bad line before the end as corruption, naming the line', async () => {
    const path = file();
    writeFileSync(path, '{"a":1}\nnot json\n{"a":3}\n');
    await expect(RecordLog.loadAll(path)).rejects.toThrow(/line 2 is not a valid record/);
  });
});
