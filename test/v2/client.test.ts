import { describe, expect, it } from 'vitest';
import { Flag, Opcode, payloads, Status, type Packet } from '../../protocol/v2/index.js';
import { V2Client } from '../../host/v2/client.js';
import { V2Link } from '../../host/v2/link.js';
import { V2StatusError, V2TimeoutError } from '../../host/v2/errors.js';
import { FakeCamera } from '../support/fake-camera.js';
import { waitFor } from '../support/tools.js';

const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

async function connected(options: ConstructorParameters<typeof V2Client>[1] = {}): Promise<{ cam: FakeCamera; client: V2Client }> {
  const cam = new FakeCamera();
  const client = new V2Client(cam, { policy: { timeoutMs: 500 }, ...options });
  await client.connect();
  return { cam, client };
}

/**
 * From the first packet `from` picks on, the camera's output is held back, in order, until release(): a reply read
 * late, as by a busy host, with everything the camera sent after it behind it.
 */
function holdOutput(cam: FakeCamera, from: (p: Packet) => boolean): { requestsAtHold: number; release(): void } {
  const held: Uint8Array[] = [];
  let holding = false;
  let released = false;
  const state = { requestsAtHold: Infinity, release: () => {} };
  cam.tamper = (p, b) => {
    if (!holding && !released && from(p)) {
      holding = true;
      state.requestsAtHold = cam.requests.length;
    }
    if (!holding) return b;
    held.push(b);
    return null;
  };
  state.release = () => {
    holding = false;
    released = true;
    for (const b of held.splice(0)) cam.emit('data', b);
  };
  return state;
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

  it('keeps the fragments before a lost one, follows the camera\'s sequence numbers to the reply\'s end, and reads on: no fence, no resync', async () => {
    const { cam, client } = await connected();
    cam.channels[1]!.data = bytes(12_000);
    let fragments = 0;
    cam.tamper = (p, b) => (p.opcode === Opcode.CHANNEL_READ && ++fragments === 2 ? null : b); // the second of three
    const data = await client.read(4, 0, 12_000);
    expect(Buffer.from(data).equals(Buffer.from(cam.channels[1]!.data))).toBe(true);
    const reads = cam.requests.filter((r) => r.opcode === Opcode.CHANNEL_READ).map((r) => payloads.readRequest.decode(r.payload).offset);
    expect(reads[0]).toBe(0);
    expect(reads[1]).toBe(4082); // the first fragment was kept
    expect(cam.requests.filter((r) => r.opcode === Opcode.PROTO_SYNC).length).toBe(1);
    expect(cam.requests.filter((r) => r.opcode === Opcode.PROTO_GET_CAPS).length).toBe(1); // connect's own: no fence
    expect(client.stats.damaged).toBe(1);
  });

  it('drops a late reply that arrives after its attempt gave up, and the read still returns the right bytes', async () => {
    const { cam, client } = await connected();
    cam.channels[1]!.data = bytes(3000);
    const held = holdOutput(cam, (p) => p.opcode === Opcode.CHANNEL_READ);
    const reading = client.read(4, 1000, 1500);
    await waitFor(() => cam.requests.length > held.requestsAtHold + 1, 'the host to give up on the first attempt and ask again');
    held.release(); // everything the camera sent, in the order it sent it: the late reply first
    expect(Buffer.from(await reading).equals(Buffer.from(cam.channels[1]!.data.subarray(1000, 2500)))).toBe(true);
    expect(client.stats.stale, JSON.stringify(client.stats)).toBeGreaterThan(0);
    expect(client.stats.timeouts).toBeGreaterThan(0);
  });

  it('drops the rest of a reply split across a retry: the fragments that came in time are kept, the late ones never delivered', async () => {
    const { cam, client } = await connected();
    cam.channels[1]!.data = bytes(12_000);
    let fragments = 0;
    const held = holdOutput(cam, (p) => p.opcode === Opcode.CHANNEL_READ && ++fragments === 2);
    const reading = client.read(4, 0, 12_000);
    await waitFor(() => cam.requests.length > held.requestsAtHold + 1, 'the host to give up on the half-received reply and ask again');
    held.release();
    expect(Buffer.from(await reading).equals(Buffer.from(cam.channels[1]!.data))).toBe(true);
    expect(client.stats.stale).toBeGreaterThanOrEqual(2); // fragments 2 and 3 of the first reply
    const reads = cam.requests.filter((r) => r.opcode === Opcode.CHANNEL_READ).map((r) => payloads.readRequest.decode(r.payload).offset);
    expect(reads.slice(0, 2)).toEqual([0, 4082]);
  });

  it('recovers from a corrupted reply (bad CRC in its payload) by reading again', async () => {
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
    expect(client.stats.damaged).toBe(1);
    // Its header was intact, so the link knew the reply had ended: read again at once, without a fence.
    expect(cam.requests.filter((r) => r.opcode === Opcode.PROTO_GET_CAPS).length).toBe(1);
    expect(client.stats.fences).toBe(0);
  });

  it('gives up with V2TimeoutError when the camera stays silent', async () => {
    const { cam, client } = await connected({ policy: { timeoutMs: 500, retries: 2 } });
    cam.tamper = () => null;
    await expect(client.size(4)).rejects.toBeInstanceOf(V2TimeoutError);
  });

  it('passes events on and does not let them disturb a request', async () => {
    const events: [number, number][] = [];
    const cam = new FakeCamera();
    const client = new V2Client(cam, { policy: { timeoutMs: 500 }, onEvent: (c, e) => events.push([c, e]) });
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

describe('V2 link on a slow camera', () => {
  it('an event, or an earlier attempt\'s late packet, before the reply does not cut the wait for it short', async () => {
    const cam = new FakeCamera();
    const link = new V2Link(cam);
    const REPLY_MS = 60;
    cam.tamper = (_p, b) => {
      setTimeout(() => cam.emit('data', b), REPLY_MS);
      return null;
    };
    await link.sync();
    for (let i = 0; i < 6; i++) await link.request(Opcode.PROTO_VERSION, 0); // the link learns a ~60 ms round trip
    const reply = link.request(Opcode.PROTO_VERSION, 0);
    setTimeout(() => cam.event(0, 1), REPLY_MS / 3);
    expect(payloads.version.decode(await reply)).toBeTruthy();
    expect(link.stats).toMatchObject({ events: 1, timeouts: 0 });
  });
});
