import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelId, encodePacket, Flag, Opcode, PacketDecoder } from '../../protocol/v2/index.js';
import { OMVD_CHANNELS } from '../../host/sync/catalog.js';
import { installScripts } from '../../host/sync/install.js';
import { V2Client } from '../../host/v2/client.js';
import { scripted, type Scripted } from '../sim/scripted.js';

/**
 * Between the host and a camera: can delay every host packet; can lose the camera's ACK to the third write into
 * stdin past offset 0, so the host sends that piece again and the firmware appends it twice; and can go silent for
 * `silentAfterOkMs` right after the camera's stdout said "ok", as a camera compiling the scripts it starts does.
 */
class Meddler extends EventEmitter {
  private readonly fromHost = new PacketDecoder({ maxPayload: 0xffff });
  private readonly fromCamera = new PacketDecoder({ maxPayload: 0xffff });
  private pieces = 0;
  private loseNextAck = false;
  private silentUntil = 0;
  lost = 0;

  constructor(private readonly inner: Duplex, private readonly options: { delayMs?: number; loseAck?: boolean; silentAfterOkMs?: number }) {
    super();
    inner.on('data', (d: Buffer) =>
      this.fromCamera.push(new Uint8Array(d), (p) => {
        if (Date.now() < this.silentUntil) return;
        if (options.silentAfterOkMs && !this.silentUntil && p.opcode === Opcode.CHANNEL_READ && p.chan === ChannelId.STDOUT && / ok\n/.test(new TextDecoder().decode(p.payload))) {
          this.silentUntil = Date.now() + options.silentAfterOkMs;
        }
        if (this.loseNextAck && p.opcode === Opcode.CHANNEL_WRITE && p.chan === ChannelId.STDIN && p.flags & Flag.ACK) {
          this.loseNextAck = false;
          this.lost++;
          return;
        }
        this.emit('data', encodePacket(p, { crc: true }));
      }),
    );
    inner.on('close', () => this.emit('close'));
  }

  write(data: Uint8Array): boolean {
    this.fromHost.push(data, (p) => {
      const offset = p.payload.length >= 4 ? new DataView(p.payload.buffer, p.payload.byteOffset).getUint32(0, true) : 0;
      if (this.options.loseAck && p.opcode === Opcode.CHANNEL_WRITE && p.chan === ChannelId.STDIN && offset > 0 && ++this.pieces === 3) this.loseNextAck = true;
    });
    const bytes = data.slice();
    if (this.options.delayMs) setTimeout(() => this.inner.write(bytes), this.options.delayMs);
    else this.inner.write(bytes);
    return true;
  }
}

describe('--install-scripts on what the firmware really does', () => {
  const cams: Scripted[] = [];
  const clients: V2Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const c of cams.splice(0)) await c.camera.stop();
  });

  /** A camera with nothing of omvd's on it, running `main`. */
  async function bare(main: string, board: 'H7' | 'H7P', meddle: ConstructorParameters<typeof Meddler>[1]) {
    const cam = await scripted(main, { withoutPackage: true, board });
    cams.push(cam);
    const link = new Meddler(cam.camera.link, meddle);
    const client = new V2Client(link);
    clients.push(client);
    await client.connect();
    expect(client.channelId(OMVD_CHANNELS.catalog)).toBeUndefined();
    return { cam, client, link };
  }

  const installed = (client: V2Client): boolean => Object.values(OMVD_CHANNELS).every((n) => client.channelId(n) !== undefined);

  it('a piece sent twice after a lost reply is caught by the installer, and the whole upload is sent again', async () => {
    const { cam, client, link } = await bare('print("bare")\n', 'H7', { loseAck: true });
    await installScripts(client);
    expect(link.lost).toBe(1);
    expect(installed(client)).toBe(true);
    expect(cam.lines.filter((l) => / damaged$/.test(l))).toHaveLength(1);
    expect(cam.lines.filter((l) => / ok$/.test(l))).toHaveLength(1);
  }, 60_000);

  it('a slow link (every host packet 60 ms late): nothing runs before the whole script is there', async () => {
    const { cam, client } = await bare('print("bare")\n', 'H7P', { delayMs: 60 });
    await installScripts(client);
    expect(installed(client)).toBe(true);
    expect(cam.lines.filter((l) => /SyntaxError|damaged/.test(l))).toEqual([]);
  }, 60_000);

  it('the camera goes silent right after saying "ok" (starting the scripts): what it said is kept, and the install ends', async () => {
    const { client } = await bare('print("bare")\n', 'H7', { silentAfterOkMs: 6_000 });
    await installScripts(client);
    expect(installed(client)).toBe(true);
  }, 60_000);

  it('a script that runs forever is stopped first', async () => {
    const { cam, client } = await bare('import time\nprint("busy")\nwhile True:\n    time.sleep_ms(20)\n', 'H7', {});
    await cam.line(/^busy$/);
    await installScripts(client);
    expect(installed(client)).toBe(true);
  }, 60_000);
});
