// Spawned by crash.test.ts: writes 320×240 frames until it is killed, printing the count after every 20.
import { QueueHdf5Writer } from '../../../host/writers/hdf5/queue-writer.js';
import { frameBytes } from './support.js';

const path = process.argv[2];
if (!path) throw new Error('usage: writer-child.ts <path>');
const w = await QueueHdf5Writer.open(path, { features: [{ name: 'image', itemShape: [240, 320], dtype: 'u1' }] });
for (let f = 0; ; f++) {
  await w.write(f, { image: frameBytes(f % 50, 240 * 320) });
  if (f % 20 === 19) process.stdout.write(`${f + 1}\n`);
}
