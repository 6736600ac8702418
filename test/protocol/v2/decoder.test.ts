import { describe, expect, it } from 'vitest';
import { encodePacket, PacketDecoder, type Packet } from '../../../protocol/v2/index.js';
import { packetKey } from '../../support/packets.js';

const pk = (seq: number, n: number, fill = seq): Packet => ({ seq, chan: 3, flags: 0, opcode: 0x26, payload: new Uint8Array(n).fill(fill) });
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

function decodeAll(chunks: Uint8Array[], decoder = new PacketDecoder()): Packet[] {
  const out: Packet[] = [];
  for (const c of chunks) decoder.push(c, (p) => out.push(p));
  return out;
}

describe('PacketDecoder', () => {
  const packets = [pk(1, 0), pk(2, 1), pk(3, 100), pk(4, 4082), pk(5, 17)];
  const stream = concat(...packets.map((p) => encodePacket(p)));

  it('decodes many packets from one chunk', () => {
    expect(decodeAll([stream])).toEqual(packets);
  });

  it('decodes a stream split at every byte boundary', () => {
    const want = packets.map(packetKey).join();
    for (let cut = 0; cut <= stream.length; cut++) {
      const got = decodeAll([stream.subarray(0, cut), stream.subarray(cut)]).map(packetKey).join();
      if (got !== want) expect.fail(`split at byte ${cut}: got ${got}`);
    }
  });

  it('decodes a stream fed one byte at a time', () => {
    expect(decodeAll(Array.from(stream, (b) => new Uint8Array([b])))).toEqual(packets);
  });

  it('skips noise, fake sync words and a fake header claiming a huge length', () => {
    const fakeHuge = new Uint8Array([0xaa, 0xd5, 0, 0, 0, 0, 0xff, 0xff, 0, 0]);
    const noisy = concat(new Uint8Array([1, 0xaa, 0xaa, 0xd5, 7]), encodePacket(pk(1, 30)), fakeHuge, new Uint8Array([0xaa]), encodePacket(pk(2, 5)));
    const d = new PacketDecoder();
    expect(decodeAll([noisy], d)).toEqual([pk(1, 30), pk(2, 5)]);
    expect(d.counters.oversize).toBe(1);
    expect(d.counters.droppedBytes).toBe(noisy.length - encodePacket(pk(1, 30)).length - encodePacket(pk(2, 5)).length);
  });

  it('drops a packet whose payload is corrupt and still decodes the next one', () => {
    const bad = encodePacket(pk(1, 64));
    bad[40] = (bad[40] as number) ^ 0x10;
    const d = new PacketDecoder();
    expect(decodeAll([concat(bad, encodePacket(pk(2, 8)))], d)).toEqual([pk(2, 8)]);
    expect(d.counters.payloadCrcErrors).toBe(1);
  });

  it('drops a packet whose header is corrupt', () => {
    const bad = encodePacket(pk(1, 8));
    bad[3] = 9;
    const d = new PacketDecoder();
    expect(decodeAll([concat(bad, encodePacket(pk(2, 8)))], d)).toEqual([pk(2, 8)]);
    expect(d.counters.headerCrcErrors).toBe(1);
  });

  it('finds a valid packet hidden inside the claimed length of a corrupt one', () => {
    // A header that passes its CRC but claims 200 bytes; a real packet follows right after it.
    const liar = encodePacket(pk(9, 200)).subarray(0, 10);
    const inner = encodePacket(pk(1, 20));
    const tail = encodePacket(pk(2, 3));
    const got = decodeAll([concat(liar, inner, tail, new Uint8Array(200))]);
    expect(got).toEqual([pk(1, 20), pk(2, 3)]);
  });

  it('rejects lengths above the negotiated max payload, and accepts them after raising it', () => {
    const big = encodePacket(pk(1, 300));
    const d = new PacketDecoder({ maxPayload: 100 });
    expect(decodeAll([big], d)).toEqual([]);
    expect(d.counters.oversize).toBeGreaterThanOrEqual(1);
    d.setMaxPayload(1000);
    expect(decodeAll([big], d)).toEqual([pk(1, 300)]);
    expect(() => d.setMaxPayload(49)).toThrow(RangeError);
    expect(() => new PacketDecoder({ maxPayload: 70000 })).toThrow(RangeError);
  });

  it('keeps a partial packet across a max-payload increase', () => {
    const big = encodePacket(pk(1, 3000));
    const d = new PacketDecoder({ maxPayload: 4082 });
    const got: Packet[] = [];
    d.push(big.subarray(0, 1000), (p) => got.push(p));
    d.setMaxPayload(8000);
    d.push(big.subarray(1000), (p) => got.push(p));
    expect(got).toEqual([pk(1, 3000)]);
  });

  it('with CRCs off, ignores the CRC fields but still bounds the length', () => {
    const raw = encodePacket(pk(1, 12), { crc: false });
    const d = new PacketDecoder({ crc: false });
    expect(decodeAll([raw], d)).toEqual([pk(1, 12)]);
    expect(decodeAll([raw])).toEqual([]);
  });

  it('hands out payload copies that later input cannot change', () => {
    const d = new PacketDecoder();
    const got: Packet[] = [];
    const buf = encodePacket(pk(1, 16));
    d.push(buf, (p) => got.push(p));
    buf.fill(0);
    expect(got[0]!.payload).toEqual(new Uint8Array(16).fill(1));
  });

  it('reset() forgets a partial packet', () => {
    const buf = encodePacket(pk(1, 16));
    const d = new PacketDecoder();
    const got: Packet[] = [];
    d.push(buf.subarray(0, 12), (p) => got.push(p));
    d.reset();
    d.push(buf.subarray(12), (p) => got.push(p));
    d.push(buf, (p) => got.push(p));
    expect(got).toEqual([pk(1, 16)]);
  });
});
