import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Flag, Opcode, PacketDecoder, payloads, SysEvent, type Packet } from '../../protocol/v2/index.js';
import { OMVD_CHANNELS } from '../../host/sync/catalog.js';
import { V2Client } from '../../host/v2/client.js';
import { REPO, waitFor } from '../support/tools.js';
import { scripted, type Scripted } from './scripted.js';

const OMVD_MAIN = { 'omvd_main.py': readFileSync(join(REPO, 'device-scripts/main.py'), 'utf8') };
const RUN_OMVD = 'exec(open("/flash/omvd_main.py").read(), {"__name__": "__main__"})\n';

describe('events while a host is attached (protocol/omv_protocol.c:326-345)', () => {
  const cams: Scripted[] = [];
  const clients: V2Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const c of cams.splice(0)) await c.camera.stop();
  });

  it('omvd\'s scripts start without waiting on any host: their CHANNEL_REGISTERED events ask for no ACK', async () => {
    const cam = await scripted(RUN_OMVD, { files: OMVD_MAIN });
    cams.push(cam);
    const seen: Packet[] = [];
    const decoder = new PacketDecoder({ maxPayload: 0xffff });
    cam.camera.link.on('data', (d: Buffer) => decoder.push(new Uint8Array(d), (p) => seen.push(p))); // listens, never answers
    const registered = (): Packet[] => seen.filter((p) => p.opcode === Opcode.SYS_EVENT && payloads.event.decode(p.payload) === SysEvent.CHANNEL_REGISTERED);
    await waitFor(() => registered().length === 4, 'four CHANNEL_REGISTERED events');
    expect(registered().map((p) => p.flags)).toEqual(new Array(4).fill(Flag.EVENT));
    expect(seen.filter((p) => p.flags & (Flag.ACK_REQ | Flag.RTX))).toEqual([]);
    const client = new V2Client(cam.camera.link);
    clients.push(client);
    await client.connect();
    expect(Object.values(OMVD_CHANNELS).every((n) => client.channelId(n) !== undefined)).toBe(true);
    expect(payloads.stats.decode(await client.call(Opcode.PROTO_STATS, 0)).retransmit).toBe(0);
  });

  it('a script that asks for ACKs under the default caps gets them from omvd\'s host at once: no retransmission', async () => {
    const main = [
      'import protocol',
      'class B:',
      '    def size(self):',
      '        return 0',
      'for i in range(4):',
      '    ch = protocol.register(name="t.%d" % i, backend=B())',
      '    ch.send_event(7, wait_ack=True)',
      'print("announced")',
      RUN_OMVD,
    ].join('\n');
    const cam = await scripted(main, { files: OMVD_MAIN });
    cams.push(cam);
    const seen: Packet[] = [];
    const decoder = new PacketDecoder({ maxPayload: 0xffff });
    cam.camera.link.on('data', (d: Buffer) => decoder.push(new Uint8Array(d), (p) => seen.push(p)));
    const client = new V2Client(cam.camera.link); // attached before the script's first event
    clients.push(client);
    await cam.line(/^announced$/);
    const asked = seen.filter((p) => p.opcode === Opcode.CHANNEL_EVENT && p.flags & Flag.ACK_REQ);
    expect(asked.map((p) => p.flags)).toEqual(new Array(4).fill(Flag.EVENT | Flag.ACK_REQ)); // none resent (no RTX)
    await client.connect();
    const stats = payloads.stats.decode(await client.call(Opcode.PROTO_STATS, 0));
    expect(stats.retransmit).toBe(0);
    expect(stats.sentEvents).toBeGreaterThanOrEqual(8);
  });
});
