import { describe, expect, it } from 'vitest';
import { Flag, Opcode, Status } from '../../protocol/v2/index.js';
import { V2Client } from '../../host/v2/client.js';
import { V2StatusError, V2TimeoutError } from '../../host/v2/errors.js';
import { FakeCamera } from '../support/fake-camera.js';

const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

async function connected(options: ConstructorParameters<typeof V2Client>[1] = {}): Promise<{ cam: FakeCamera; client: V2Client }> {
  const cam = new FakeCamera();
  const client = new V2Client(cam, { timeoutMs: 200, ...options });
  await client.connect();
  return { cam, client };
}

describe('V2 client', () => {
  it('connects: sync, caps with ACKs off, version, SYS_INFO, channel list', async () => {
    const { cam, client } = await connected();
    expect(client.camera.sysInfo.uniqueId).toBe('112233445566778899AABBCC');
    expect(client.camera.version.firmware).toEqual([5, 0, 0]);
    expect(client.camera.channels.map((c) => c.name)).toEqual(['stdin', 'omvd.file']);
    expect(client.channelId('omvd.file')).toBe(4);
    expect(cam.ack).toBe(false);
    expect(cam.requests.map((r) => r.opcode).slice(0, 3)).toEqual([Opcode.PROTO_SYNC, Opcode.PROTO_GET_CAPS, Opcode.PROTO_SET_CAPS]);
  });

  it('reads a channel across fragments, with sequence numbers continuing between requests', async () => {
    const { cam, client } = await connected();
    cam.channels[1]!.data = bytes(20_000);
    const a = await client.read(4, 0, 10_000);
    const b = await client.read(4, 10_000, 10_000);
    expect(Buffer.concat([a, b]).equals(Buffer.from(cam.channels[1]!.data))).toBe(true);
    expect(await client.size(4)).toBe(20_000);
  });

  it('acknowledges replies that ask for it (ACKs on)', async () => {
    const { cam, client } = await connected({ caps: { ack: true } });
    cam.channels[1]!.data = bytes(9000);
    await client.read(4, 0, 9000);
    const acked = cam.acksReceived.filter((p) => p.opcode === Opcode.CHANNEL_READ);
    expect(acked.length).toBe(3);
    expect(acked.every((p) => p.flags === Flag.ACK)).toBe(true);
  });

  it('turns a NAK into V2StatusError without retrying', async () => {
    const { cam, client } = await connected();
    const before = cam.requests.length;
    const err = await client.read(4, 0, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(V2StatusError);
    expect((err as V2StatusError).status).toBe(Status.FAILED);
    expect((err as Error).message).toMatch(/CHANNEL_READ.*FAILED/);
    expect(cam.requests.length).toBe(before + 1);
  });

  it('recovers from a lost reply fragment by following the camera\'s sequence numbers and reading again, no resync', async () => {
    const { cam, client } = await connected();
    cam.channels[1]!.data = bytes(12_000);
    let lose = true;
    cam.tamper = (p, b) => (lose && p.opcode === Opcode.CHANNEL_READ && p.flags & Flag.FRAGMENT ? ((lose = false), null) : b);
    const data = await client.read(4, 0, 12_000);
    expect(Buffer.from(data).equals(Buffer.from(cam.channels[1]!.data))).toBe(true);
    expect(cam.requests.filter((r) => r.opcode === Opcode.PROTO_SYNC).length).toBe(1);
    expect(cam.requests.filter((r) => r.opcode === Opcode.CHANNEL_READ).length).toBe(2);
  });

  it('recovers from a corrupted reply (bad CRC) the same way', async () => {
    const { cam, client } = await connected();
    cam.channels[1]!.data = bytes(3000);
    let corrupt = true;
    cam.tamper = (p, b) => {
      if (!corrupt || p.opcode !== Opcode.CHANNEL_READ) return b;
      corrupt = false;
      const c = b.slice();
      c[100] = c[100]! ^ 0x40;
      return c;
    };
    expect(Buffer.from(await client.read(4, 0, 3000)).equals(Buffer.from(cam.channels[1]!.data))).toBe(true);
  });

  it('gives up with V2TimeoutError when the camera stays silent', async () => {
    const { cam, client } = await connected({ attempts: 2 });
    cam.tamper = () => null;
    await expect(client.size(4)).rejects.toBeInstanceOf(V2TimeoutError);
  });

  it('passes events on and does not let them disturb a request', async () => {
    const events: [number, number][] = [];
    const cam = new FakeCamera();
    const client = new V2Client(cam, { timeoutMs: 200, onEvent: (c, e) => events.push([c, e]) });
    await client.connect();
    cam.channels[1]!.data = bytes(100);
    cam.event(0, 1);
    const data = await client.read(4, 0, 100);
    cam.event(4, 7);
    await new Promise((r) => setImmediate(r));
    expect(data.length).toBe(100);
    expect(events).toEqual([[0, 1], [4, 7]]);
  });
});
