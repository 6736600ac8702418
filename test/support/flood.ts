import { Duplex } from 'node:stream';
import { servePty, type PtyServer } from '../../host/sim/pty.js';
import { prng } from './noisy-link.js';

/** A "camera" that sends nothing but noise, 16 KB every 10 ms (a full-speed USB port's worth), whatever it is sent. */
export function flood(path: string): Promise<PtyServer> {
  const next = prng(7);
  let timer: NodeJS.Timeout | undefined;
  const link = new Duplex({
    write(_chunk, _enc, done) {
      done();
    },
    read() {
      timer ??= setInterval(() => link.push(Buffer.from(Array.from({ length: 16 * 1024 }, () => Math.floor(next() * 256)))), 10);
    },
    destroy(err, done) {
      clearInterval(timer);
      done(err);
    },
  });
  return servePty(link, path).then((pty) => ({ ...pty, close: async () => (link.destroy(), await pty.close()) }));
}
