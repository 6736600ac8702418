// Writes frames through a rotating VideoWriter, says so on stdout, then waits to be killed (avi.test.ts).
import { readFileSync } from 'node:fs';
import { VideoWriter } from '../../../host/writers/video/video-writer.js';

const [path, jpegPath, count, limit] = process.argv.slice(2) as [string, string, string, string];
const jpeg = new Uint8Array(readFileSync(jpegPath));
const writer = new VideoWriter(path, 10, 1, Number(limit));
for (let i = 0; i < Number(count); i++) await writer.append(jpeg);
process.stdout.write('written\n');
setInterval(() => undefined, 1000);
