import { describe, expect, it } from 'vitest';
import { encodePacket, PacketDecoder, type Packet } from '../../../protocol/v2/index.js';
import { packetKey } from '../../support/packets.js';

const pk = (seq: number, n: number, fill = seq): Packet => ({ seq, chan: 3, flags: 0, opcode: 0x26, payload: new Uint8Array(n).fill(fill) });
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const wireSize = (...packets: Packet[]): number => packets.reduce((n, p) => n + encodePacket(p).length, 0);

function decodeAll(chunks: Uint8Array[], decoder = new PacketDecoder()): Packet[] {
  const out: Packet[] = [];
  for (const c of chunks) decoder.push(c, (p) => out.push(p));
  return out;
}
const bytewise = (stream: Uint8Array): Uint8Array[] => Array.from(stream, (b) => Uint8Array.of(b));

describe('PacketDecoder', () => {
  const packets = [pk(1, 0), pk(2, 1), pk(3, 100), pk(4, 4082), pk(5, 17), pk(6, 0)];
  const stream = concat(...packets.map((p) => encodePacket(p)));

  it('decodes many packets from one chunk and counts them', () => {
    const d = new PacketDecoder();
    expect(decodeAll([stream], d)).toEqual(packets);
    expect(d.counters).toEqual({ bytesIn: stream.length, packets: 6, droppedBytes: 0, headerCrcErrors: 0, payloadCrcErrors: 0, oversize: 0 });
    expect(d.pendingBytes).toBe(0);
  });

  it('decodes a stream split at every byte boundary', () => {
    const want = packets.map(packetKey).join();
    for (let cut = 0; cut <= stream.length; cut++) {
      const got = decodeAll([stream.subarray(0, cut), stream.subarray(cut)]).map(packetKey).join();
      if (got !== want) expect.fail(`split at byte ${cut}: got ${got}`);
    }
  });

  it('decodes a stream fed one byte at a time, and empty chunks change nothing', () => {
    const chunks = bytewise(stream).flatMap((c) => [c, new Uint8Array(0)]);
    expect(decodeAll(chunks)).toEqual(packets);
  });

  it('emits a zero-length packet as soon as its 10 header bytes are in: there is no CRC-32 trailer', () => {
    const d = new PacketDecoder();
    const got: Packet[] = [];
    d.push(encodePacket(pk(7, 0)), (p) => got.push(p));
    expect(got).toEqual([pk(7, 0)]);
    expect(d.pendingBytes).toBe(0);
  });

  it('skips noise, fake sync words and a fake header claiming a huge length, counting every dropped byte', () => {
    const fakeHuge = new Uint8Array([0xaa, 0xd5, 0, 0, 0, 0, 0xff, 0xff, 0, 0]);
    const noisy = concat(new Uint8Array([1, 0xaa, 0xaa, 0xd5, 7]), encodePacket(pk(1, 30)), fakeHuge, new Uint8Array([0xaa]), encodePacket(pk(2, 5)));
    for (const chunks of [[noisy], bytewise(noisy)]) {
      const d = new PacketDecoder();
      expect(decodeAll(chunks, d)).toEqual([pk(1, 30), pk(2, 5)]);
      expect(d.counters.oversize).toBe(1);
      expect(d.counters.droppedBytes).toBe(noisy.length - wireSize(pk(1, 30), pk(2, 5)));
    }
  });

  it('drops a packet whose payload is corrupt and still decodes the next one', () => {
    const bad = encodePacket(pk(1, 64));
    bad[40] = (bad[40] as number) ^ 0x10;
    for (const chunks of [[concat(bad, encodePacket(pk(2, 8)))], bytewise(concat(bad, encodePacket(pk(2, 8))))]) {
      const d = new PacketDecoder();
      expect(decodeAll(chunks, d)).toEqual([pk(2, 8)]);
      expect(d.counters.payloadCrcErrors).toBe(1);
      expect(d.counters.droppedBytes).toBe(bad.length);
    }
  });

  it('tells onDamaged the intact header of a packet whose payload failed its CRC (and only then), at any chunking', () => {
    const bad = encodePacket({ ...pk(7, 64), flags: 0x04 });
    bad[40] = (bad[40] as number) ^ 0x10;
    const headerHit = encodePacket(pk(8, 8));
    headerHit[3] = 9; // header CRC fails: nothing about it can be trusted, so nothing is reported
    for (const chunks of [[concat(bad, headerHit, encodePacket(pk(2, 8)))], bytewise(concat(bad, headerHit, encodePacket(pk(2, 8))))]) {
      const d = new PacketDecoder();
      const damaged: unknown[] = [];
      d.onDamaged = (h) => damaged.push(h);
      expect(decodeAll(chunks, d)).toEqual([pk(2, 8)]);
      expect(damaged).toEqual([{ seq: 7, chan: 3, flags: 0x04, opcode: 0x26, length: 64 }]);
    }
  });

  it('drops a packet whose header is corrupt', () => {
    const bad = encodePacket(pk(1, 8));
    bad[3] = 9;
    const d = new PacketDecoder();
    expect(decodeAll([concat(bad, encodePacket(pk(2, 8)))], d)).toEqual([pk(2, 8)]);
    expect(d.counters.headerCrcErrors).toBe(1);
  });

  it('finds valid packets hidden inside the claimed length of a corrupt one, whole or byte by byte', () => {
    // A header that passes its CRC but claims 200 bytes; real packets follow right after it.
    const liar = encodePacket(pk(9, 200)).subarray(0, 10);
    const all = concat(liar, encodePacket(pk(1, 20)), encodePacket(pk(2, 3)), encodePacket(pk(3, 0)), new Uint8Array(200));
    for (const chunks of [[all], bytewise(all), [all.subarray(0, 15), all.subarray(15)]]) {
      const d = new PacketDecoder();
      expect(decodeAll(chunks, d)).toEqual([pk(1, 20), pk(2, 3), pk(3, 0)]);
      expect(d.counters.payloadCrcErrors).toBe(1);
    }
  });

  it('waits for the claimed length of a valid header before judging it', () => {
    const liar = encodePacket(pk(9, 200)).subarray(0, 10);
    const d = new PacketDecoder();
    const got = decodeAll([concat(liar, encodePacket(pk(1, 20)))], d);
    expect(got).toEqual([]);
    expect(d.pendingBytes).toBe(10 + 20 + 14);
    expect(decodeAll([new Uint8Array(200)], d)).toEqual([pk(1, 20)]);
  });

  it('rejects lengths above the negotiated max payload, and accepts them after raising it', () => {
    const big = encodePacket(pk(1, 300));
    const d = new PacketDecoder({ maxPayload: 100 });
    expect(decodeAll([big], d)).toEqual([]);
    expect(d.counters.oversize).toBe(1);
    expect(d.pendingBytes).toBe(0);
    d.setMaxPayload(1000);
    expect(decodeAll([big], d)).toEqual([pk(1, 300)]);
    expect(decodeAll([encodePacket(pk(2, 50))], new PacketDecoder({ maxPayload: 50 }))).toEqual([pk(2, 50)]);
  });

  it('refuses max payloads below the firmware minimum of 50 or above the u16 length', () => {
    expect(() => new PacketDecoder({ maxPayload: 49 })).toThrow(RangeError);
    expect(() => new PacketDecoder({ maxPayload: 65536 })).toThrow(RangeError);
    expect(() => new PacketDecoder().setMaxPayload(100.5)).toThrow(RangeError);
    expect(() => new PacketDecoder({ maxPayload: 65535 })).not.toThrow();
  });

  it('keeps a partial packet across a max-payload increase', () => {
    const big = encodePacket(pk(1, 3000));
    const d = new PacketDecoder({ maxPayload: 4082 });
    const got: Packet[] = [];
    d.push(big.subarray(0, 1000), (p) => got.push(p));
    d.setMaxPayload(8000);
    d.push(big.subarray(1000), (p) => got.push(p));
    d.push(encodePacket(pk(2, 7000)), (p) => got.push(p));
    expect(got.map(packetKey)).toEqual([pk(1, 3000), pk(2, 7000)].map(packetKey));
  });

  it('rejects a partial packet as oversize when the max payload drops below its length, then finds the next', () => {
    const big = encodePacket(pk(1, 3000));
    const d = new PacketDecoder();
    const got: Packet[] = [];
    d.push(big.subarray(0, 1000), (p) => got.push(p));
    d.setMaxPayload(100);
    d.push(concat(big.subarray(1000), encodePacket(pk(2, 60))), (p) => got.push(p));
    expect(got).toEqual([pk(2, 60)]);
    expect(d.counters.oversize).toBe(1);
  });

  it('applies settings changed inside the callback to the rest of the same chunk (a SET_CAPS ACK)', () => {
    const ack: Packet = { seq: 0, chan: 0, flags: 1, opcode: 0x02, payload: new Uint8Array(0) };
    const after = [pk(1, 12), pk(2, 0), pk(3, 90)];
    const all = concat(encodePacket(ack), ...after.map((p) => encodePacket(p, { crc: false })));
    for (const chunks of [[all], bytewise(all)]) {
      const d = new PacketDecoder();
      const got: Packet[] = [];
      for (const c of chunks) d.push(c, (p) => {
        got.push(p);
        if (p.opcode === 0x02) {
          d.setCrc(false);
          d.setMaxPayload(100);
        }
      });
      expect(got).toEqual([ack, ...after]);
    }
  });

  it('with CRCs off, ignores the CRC fields (the firmware leaves the trailer unset) but still bounds the length', () => {
    const raw = encodePacket(pk(1, 12), { crc: false });
    raw.set([0xde, 0xad, 0xbe, 0xef], raw.length - 4);
    const fakeHuge = new Uint8Array([0xaa, 0xd5, 0, 0, 0, 0, 0xff, 0x0f, 0, 0]);
    const d = new PacketDecoder({ crc: false });
    expect(decodeAll([concat(fakeHuge, raw, encodePacket(pk(2, 3)))], d)).toEqual([pk(1, 12), pk(2, 3)]);
    expect(d.counters.oversize).toBe(1);
    expect(decodeAll([raw])).toEqual([]);
  });

  it('hands out payload copies that later input cannot change', () => {
    const d = new PacketDecoder();
    const got: Packet[] = [];
    const buf = concat(encodePacket(pk(1, 16)), encodePacket(pk(2, 16)).subarray(0, 20));
    d.push(buf, (p) => got.push(p));
    buf.fill(0);
    d.push(encodePacket(pk(2, 16)).subarray(20), (p) => got.push(p));
    expect(got).toEqual([pk(1, 16), pk(2, 16)]);
    expect(got[0]!.payload.buffer).not.toBe(buf.buffer);
  });

  it('reset() forgets a partial packet and counts it as dropped', () => {
    const buf = encodePacket(pk(1, 16));
    const d = new PacketDecoder();
    const got: Packet[] = [];
    d.push(buf.subarray(0, 12), (p) => got.push(p));
    expect(d.pendingBytes).toBe(12);
    d.reset();
    expect(d.pendingBytes).toBe(0);
    d.push(buf.subarray(12), (p) => got.push(p));
    d.push(buf, (p) => got.push(p));
    expect(got).toEqual([pk(1, 16)]);
    expect(d.counters.droppedBytes).toBe(buf.length);
  });

  it('reset() inside the callback drops the rest of the chunk, whether carried over or not', () => {
    const all = concat(encodePacket(pk(1, 5)), encodePacket(pk(2, 5)), encodePacket(pk(3, 5)));
    for (const split of [0, 3, 12]) {
      const d = new PacketDecoder();
      const got: Packet[] = [];
      const onPacket = (p: Packet): void => {
        got.push(p);
        if (p.seq === 1) d.reset();
      };
      d.push(all.subarray(0, split), onPacket);
      d.push(all.subarray(split), onPacket);
      expect(got).toEqual([pk(1, 5)]);
      expect(d.pendingBytes).toBe(0);
      expect(d.counters.droppedBytes).toBe(all.length - wireSize(pk(1, 5)));
      expect(decodeAll([encodePacket(pk(4, 5))], d)).toEqual([pk(4, 5)]);
    }
  });

  it('propagates a throwing callback, then decodes fresh input without replaying the old', () => {
    const d = new PacketDecoder();
    const first = encodePacket(pk(1, 5));
    d.push(first.subarray(0, 4), () => {});
    expect(() =>
      d.push(concat(first.subarray(4), encodePacket(pk(2, 5))), () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(decodeAll([encodePacket(pk(3, 5))], d)).toEqual([pk(3, 5)]);
  });

  it('refuses push() from inside its own callback', () => {
    const d = new PacketDecoder();
    expect(() => d.push(encodePacket(pk(1, 1)), () => d.push(new Uint8Array(1), () => {}))).toThrow(/inside its own packet callback/);
  });
});
