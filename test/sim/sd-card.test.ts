import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scripted, type Scripted } from './scripted.js';

describe('a virtual SD card of a given size', () => {
  const cams: Scripted[] = [];
  afterEach(async () => {
    for (const c of cams.splice(0)) await c.camera.stop();
  });

  it('fills up as FatFS does (short writes, statvfs), and ImageIO then fails as the firmware\'s file_write does', async () => {
    const cam = await scripted(
      `
import os, image, sensor
st = os.statvfs("/sdcard")
print("free", st[0] * st[4], "of", st[0] * st[2])
sensor.reset()
img = sensor.snapshot()
s = image.ImageIO("/sdcard/rec.bin", "w")
f = open("/sdcard/filler.bin", "wb")
print("short", f.write(bytearray(700 * 1024)), f.write(bytearray(700 * 1024)))
f.close()
print("left", os.statvfs("/sdcard")[4])
try:
    s.write(img)
except OSError as e:
    print("write", e)
print("again", s.write(img) is s, s.close())
`,
      { sdBytes: 1 << 20 },
    );
    cams.push(cam);
    expect(await cam.line(/^free /)).toBe(`free ${1 << 20} of ${1 << 20}`);
    expect(await cam.line(/^short /)).toBe(`short ${700 * 1024} ${(1 << 20) - 700 * 1024 - 4096}`); // rec.bin holds a cluster
    expect(await cam.line(/^left /)).toBe('left 0');
    expect(await cam.line(/^write /)).toBe('write Failed to write requested bytes!');
    expect(await cam.line(/^again /)).toBe('again True None'); // the file was closed by the failure: later calls do nothing
    const used = readdirSync(cam.camera.sdDir).reduce((n, f) => n + statSync(join(cam.camera.sdDir, f)).size, 0);
    expect(used).toBe(1 << 20);
  });
});
