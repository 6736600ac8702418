import { createHash } from 'node:crypto';
import type { Packet } from '../../protocol/v2/index.js';

/** A short comparable identity of a packet (vitest's deep equality on big typed arrays is slow). */
export function packetKey(p: Packet): string {
  return `${p.seq}/${p.chan}/${p.flags}/${p.opcode}/${p.payload.length}/${createHash('sha1').update(p.payload).digest('hex')}`;
}
