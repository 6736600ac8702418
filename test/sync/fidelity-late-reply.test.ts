import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeImageIo } from '../../protocol/imageio/index.js';
import { Pixformat } from '../../protocol/imageio/pixformat.js';
import { encodePacket, Flag, Opcode, PacketDecoder } from '../../protocol/v2/index.js';
import { VirtualCamera } from '../../host/sim/virtual-camera.js';
import { fetchCatalog } from '../../host/sync/catalog.js';
import { syncCamera } from '../../host/sync/engine.js';
import { V2Client } from '../../host/v2/client.js';
import { waitFor } from '../support/tools.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * A camera starved of CPU for a moment: once, after two fragments of a read reply, everything it sends is held back
 * for `holdMs` (longer than the host waits), then delivered in order.
 */
class Starved extends EventEmitter {
  private readonly decoder = new PacketDecoder({ maxPayload: 0xffff });
  private fragments = 0;
  private held: Uint8Array[] | null = null;
  starved = false;

  constructor(inner: Duplex, private readonly chan: number, holdMs: number) {
    super();
    inner.on('data', (d: Buffer) =>
      this.decoder.push(new Uint8Array(d), (p) => {
        const bytes = encodePacket(p, { crc: true });
        if (this.held) return void this.held.push(bytes);
        this.emit('data', bytes);
        if (!this.starved && p.opcode === Opcode.CHANNEL_READ && p.chan === this.chan && p.flags & Flag.FRAGMENT && ++this.fragments === 2) {
          this.starved = true;
          this.held = [];
          setTimeout(() => {
            const late = this.held!;
            this.held = null;
            for (const b of late) this.emit('data', b);
          }, holdMs);
        }
      }),
    );
    inner.on('close', () => this.emit('close'));
    this.write = (data: Uint8Array) => inner.write(data);
  }

  write: (data: Uint8Array) => boolean;
}

describe('a reply that arrives after the host gave up on it', () => {
  let camera: VirtualCamera;
  afterAll(async () => {
    await camera?.stop();
  });

  it('does not end the sync: a read answered with its tail resynchronises the link, and the file arrives identical', async () => {
    const sd = mkdtempSync(join(tmpdir(), 'omvd-late-sd-'));
    const frames = Array.from({ length: 12 }, (_, i) => ({ elapsedMs: 33, width: 160, height: 120, pixformat: Pixformat.GRAYSCALE, data: Uint8Array.from({ length: 160 * 120 }, (_, j) => (i * 7 + j) & 0xff) }));
    const bytes = encodeImageIo(frames);
    writeFileSync(join(sd, 'rec_0001.bin'), bytes);
    camera = await VirtualCamera.start({ sdDir: sd, board: 'H7P' });
    const probe = new V2Client(camera.link);
    await probe.connect();
    await waitFor(async () => Boolean((await fetchCatalog(probe)).recordings[0]?.sha256), 'the recording hashed');
    const file = probe.channelId('omvd.file')!;
    probe.close();
    const link = new Starved(camera.link, file, 600);
    const client = new V2Client(link);
    await client.connect();
    const root = mkdtempSync(join(tmpdir(), 'omvd-late-root-'));
    const summary = await syncCamera(client, root);
    expect(link.starved).toBe(true);
    expect(summary.failed).toEqual([]);
    expect(sha(readFileSync(join(root, camera.uid, 'rec_0001.bin')))).toBe(sha(bytes));
    client.close();
  }, 60_000);
});
