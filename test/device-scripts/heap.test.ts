import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { loadInterpreter, type Interpreter } from '../../host/sim/micropython.js';
import { REPO } from '../support/tools.js';

/**
 * The read paths must not grow the heap. MicroPython-WASM only reclaims garbage between runs (a collection inside a
 * run keeps it, as the interpreter's own frames are scanned conservatively), so each measurement is its own run:
 * what stays allocated after the reads is what a camera would lose for good.
 */
describe('device scripts: heap on the read path', () => {
  let py: Interpreter;
  const out: string[] = [];
  const heap = (): number => {
    out.length = 0;
    py.run('gc.collect(); print(gc.mem_alloc())');
    return Number(out[0]);
  };

  beforeAll(async () => {
    py = await loadInterpreter({ stdout: (l) => out.push(l) });
    for (const name of readdirSync(join(REPO, 'device-scripts/omvd'))) {
      if (name.endsWith('.py')) py.writeFile(`/lib/omvd/${name}`, readFileSync(join(REPO, 'device-scripts/omvd', name)));
    }
    const frames = Array.from({ length: 40 }, (_, i) => ({ elapsedMs: 33, width: 64, height: 48, pixformat: Pixformat.GRAYSCALE, data: new Uint8Array(64 * 48).fill(i) }));
    py.writeFile('/sd/rec_0001.bin', encodeImageIo(frames));
    py.run(`
import sys, gc
sys.path.append('/lib')
from omvd.storage import Storage
from omvd.channels import FileChannel
storage = Storage('/sd')
fc = FileChannel(storage)
assert fc.ioctl(1, 12, bytearray(b'rec_0001.bin')) == 0
for i in range(50):
    fc.readp(i * 16, 4096)
`);
  });

  it('1000 file-channel reads of 4 KiB leave the heap where it was', () => {
    const reads = `
total = 0
for i in range(1000):
    total += len(fc.readp((i * 64) % 8192, 4096))
`;
    py.run(reads); // once first: the interpreter's own one-time costs (a new global, the dict growing) are not the reads'
    const before = heap();
    py.run(reads);
    const after = heap();
    out.length = 0;
    py.run('print(total)');
    expect(Number(out[0])).toBe(4096 * 1000);
    expect(Math.abs(after - before)).toBeLessThan(256);
  });

  it('the measurement can fail: keeping what is read grows the heap', () => {
    const before = heap();
    py.run(`
kept = []
for i in range(200):
    kept.append(bytes(fc.readp(0, 4096)))
`);
    expect(heap() - before).toBeGreaterThan(200 * 4096);
  });
});
