// Writes frames to a roverd trace until it is killed (crash.test.ts). With a frame number as the third argument,
// it kills itself with SIGKILL when that frame's data is on disk and its ts is about to be appended.
import { createTrace } from '../../../host/writers/roverd/trace.js';

const [dir, killAt] = process.argv.slice(2) as [string, string | undefined];
const trace = await createTrace(dir, { config: { writer: 'crash-child' } });
const sensor = await trace.addSensor('camera');
await sensor.addBlobChannel('frames', 'jpg', 'u1', [8, 8, 3], 'frames');
await sensor.addRawChannel('frame', 'u4', [], 'frame number');
for (let i = 0; ; i++) {
  if (String(i) === killAt) sensor.ts.write = async () => void process.kill(process.pid, 'SIGKILL');
  await sensor.appendFrame({ ts: 1000 + i, blobs: { frames: Uint8Array.of(0xff, 0xd8, i & 0xff, (i >> 8) & 0xff, 0xff, 0xd9) }, values: { frame: i } });
  if (i === 2) process.stdout.write('writing\n');
}
