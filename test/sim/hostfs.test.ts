import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mountHostFolder } from '../../host/sim/firmware/hostfs.js';
import { DeviceScriptError, loadInterpreter, type Interpreter } from '../../host/sim/micropython.js';

describe('host folder as the virtual SD card', () => {
  let py: Interpreter;
  let sd: string;
  const lines: string[] = [];

  beforeAll(async () => {
    py = await loadInterpreter({ stdout: (l) => lines.push(l) });
    sd = mkdtempSync(join(tmpdir(), 'omvd-hostfs-'));
    mountHostFolder(py.mp.FS, sd, '/sdcard');
  });

  const out = (code: string): string => {
    lines.length = 0;
    py.run(code);
    return lines.join('\n');
  };

  it('writes, appends, seeks and truncates real host files', () => {
    py.run(`
f = open('/sdcard/rec.bin', 'wb')
f.write(b'OMV IMG STR V2.0')
f.write(bytearray(b'x' * 100))
f.close()
g = open('/sdcard/rec.bin', 'ab')
g.write(b'tail')
g.close()
`);
    const bytes = readFileSync(join(sd, 'rec.bin'));
    expect(bytes.length).toBe(120);
    expect(bytes.subarray(0, 16).toString()).toBe('OMV IMG STR V2.0');
    expect(bytes.subarray(116).toString()).toBe('tail');
    expect(out(`f = open('/sdcard/rec.bin', 'rb'); f.seek(-4, 2); print(f.read(), f.seek(0, 1), f.seek(0, 2)); f.close()`)).toBe("b'tail' 120 120");
  });

  it('sees a file grow that another handle (the host) is writing', () => {
    writeFileSync(join(sd, 'grow.bin'), Buffer.alloc(10));
    py.run(`h = open('/sdcard/grow.bin', 'rb'); first = len(h.read())`);
    writeFileSync(join(sd, 'grow.bin'), Buffer.alloc(25));
    expect(out(`print(first, len(h.read()) + first); h.close()`)).toBe('10 25');
  });

  it('lists, stats, renames and removes', () => {
    writeFileSync(join(sd, 'a.txt'), 'hello');
    expect(out(`import os; print(sorted(os.listdir('/sdcard'))); print(os.stat('/sdcard/a.txt')[6])`)).toBe("['a.txt', 'grow.bin', 'rec.bin']\n5");
    py.run(`os.rename('/sdcard/a.txt', '/sdcard/b.txt'); os.mkdir('/sdcard/sub'); os.remove('/sdcard/grow.bin')`);
    expect(existsSync(join(sd, 'b.txt')) && existsSync(join(sd, 'sub')) && !existsSync(join(sd, 'grow.bin'))).toBe(true);
  });

  it('reports a missing file as OSError inside Python', () => {
    expect(() => py.run(`open('/sdcard/missing.bin', 'rb')`)).toThrow(DeviceScriptError);
    expect(out(`
try:
    open('/sdcard/missing.bin', 'rb')
except OSError as e:
    print('OSError')
`)).toBe('OSError');
  });
});
