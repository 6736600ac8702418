import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { closeSerial, openSerial } from '../../host/v2/serial.js';
import { servePty, type PtyServer } from '../../host/sim/pty.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The far end of a pty: what the host writes is collected; `send` is what a camera would say. */
class FarEnd extends Duplex {
  got: Buffer[] = [];
  gotBytes = 0;
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.got.push(chunk);
    this.gotBytes += chunk.length;
    this.emit('got');
    done();
  }
  send(data: Uint8Array): void {
    this.push(data);
  }
  until(n: number): Promise<Buffer> {
    return new Promise((ok) => {
      const check = (): void => {
        if (this.gotBytes < n) return;
        this.off('got', check);
        ok(Buffer.concat(this.got));
      };
      this.on('got', check);
      check();
    });
  }
}

describe('a serial port (a pty)', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function pair(): Promise<{ far: FarEnd; server: PtyServer; path: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'omvd-serial-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const far = new FarEnd();
    const server = await servePty(far, join(dir, 'port'));
    cleanup.push(() => server.close());
    return { far, server, path: server.path };
  }

  it('carries bytes both ways whole and in order, a write far beyond what the tty buffers included', async () => {
    const { far, path } = await pair();
    const port = await openSerial(path, 921600);
    cleanup.push(() => closeSerial(port));
    const fromCamera = randomBytes(3 << 20);
    const received: Buffer[] = [];
    let receivedBytes = 0;
    const all = new Promise<void>((ok) =>
      port.on('data', (d: Buffer) => {
        received.push(d);
        receivedBytes += d.length;
        if (receivedBytes >= fromCamera.length) ok();
      }),
    );
    for (let at = 0; at < fromCamera.length; at += 4096) far.send(fromCamera.subarray(at, at + 4096));
    const toCamera = randomBytes(1 << 20); // one write: the tty takes a few KB at a time, the rest waits for it to drain
    await new Promise<void>((ok, fail) => port.write(toCamera, (err) => (err ? fail(err) : ok())));
    await all;
    expect(receivedBytes).toBe(fromCamera.length);
    expect(sha(Buffer.concat(received))).toBe(sha(fromCamera));
    expect(sha(await far.until(toCamera.length))).toBe(sha(toCamera));
  }, 60_000);

  it('closes with a disconnection when the far end goes away (a camera unplugged)', async () => {
    const { far, server, path } = await pair();
    const port = await openSerial(path, 921600);
    cleanup.push(() => closeSerial(port));
    const first = new Promise<Buffer>((ok) => port.once('data', ok));
    far.send(Buffer.from('hello'));
    expect((await first).toString()).toBe('hello');
    const closed = new Promise<Error | null>((ok) => port.once('close', ok));
    await server.close();
    const err = (await closed) as (Error & { disconnected?: boolean }) | null;
    expect(err?.disconnected).toBe(true);
    expect(port.isOpen).toBe(false);
  }, 30_000);
});
