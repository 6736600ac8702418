import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelId, encodePacket, Opcode, PacketDecoder } from '../../protocol/v2/index.js';
import { V2Client } from '../../host/v2/client.js';
import { scripted, type Scripted } from '../sim/scripted.js';

/**
 * Between the host and a camera: once, holds everything the camera sends from its answer to a stdout read on, for
 * `holdMs`, then lets it through in order (a camera, or a host, that stalls just as the answer is on its way).
 */
class Stall extends EventEmitter {
  private readonly fromCamera = new PacketDecoder({ maxPayload: 0xffff });
  private held: Uint8Array[] | null = null;
  private done = false;

  constructor(inner: Duplex, private readonly write_: (d: Uint8Array) => void, holdMs: number) {
    super();
    inner.on('data', (d: Buffer) =>
      this.fromCamera.push(new Uint8Array(d), (p) => {
        const bytes = encodePacket(p, { crc: true });
        if (!this.done && p.opcode === Opcode.CHANNEL_READ && p.chan === ChannelId.STDOUT && p.payload.length > 0) {
          this.done = true;
          this.held = [];
          setTimeout(() => {
            for (const b of this.held!.splice(0)) this.emit('data', b);
            this.held = null;
          }, holdMs);
        }
        if (this.held) this.held.push(bytes);
        else this.emit('data', bytes);
      }),
    );
  }

  write(data: Uint8Array): boolean {
    this.write_(data);
    return true;
  }
}

describe('a late reply to a read that empties what it reads', () => {
  const cams: Scripted[] = [];
  afterEach(async () => {
    for (const c of cams.splice(0)) await c.camera.stop();
  });

  it('is taken by the retry of the same request: the text on stdout is not lost', async () => {
    const cam = await scripted('print("hello from the camera")\nimport time\nwhile True:\n    time.sleep_ms(50)\n', { withoutPackage: true });
    cams.push(cam);
    await cam.line(/^hello from the camera$/);
    const link = cam.camera.link;
    const client = new V2Client(new Stall(link, (d) => link.write(d), 1500));
    await client.connect();
    expect(await client.readStdout()).toContain('hello from the camera\n');
    expect(client.stats.timeouts).toBeGreaterThan(0);
    expect(client.stats.late).toBe(1);
    client.close();
  }, 30_000);
});
