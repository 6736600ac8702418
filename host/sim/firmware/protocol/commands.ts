import {
  CapsFlag,
  CHANNEL_NAME_SIZE,
  ChannelFlag,
  Flag,
  HEADER_SIZE,
  IOCTL_ARG_SIZES,
  MIN_MAX_PAYLOAD,
  Opcode,
  payloads,
  Status,
} from '../../../../protocol/v2/index.js';
import type { ProtocolLink } from './link.js';
import { defaultMemoryPools, maxPayloadFor, type DeviceIdentity } from './types.js';

/** What the command handler needs besides the link. */
export interface CommandEnv {
  readonly identity: DeviceIdentity;
  /** SYS_RESET (false) and SYS_BOOT (true): the firmware resets the MCU and never answers. */
  readonly onSystemReset: ((bootloader: boolean) => void) | null;
}

/** The transfer buffer of a CHANNEL_READ served by read(): uint8_t buffer[OMV_MIN(512, max_payload)]. */
const READ_CHUNK = 512;
const utf8 = new TextEncoder();

/**
 * omv_protocol_process: answers one complete packet at `p` in the link's receive buffer. Fields are read from
 * that memory as the firmware reads them through its packet pointer, so a request shorter than its struct reads
 * whatever follows it (its CRC, the next packet, stale bytes).
 */
export function processPacket(link: ProtocolLink, p: number, env: CommandEnv): void {
  link.stats.recvPackets++;
  const rx = link.rx;
  const opcode = link.opcode(p);
  const chan = link.chan(p);
  const length = link.length(p);
  const body = p + HEADER_SIZE;
  const reply = (data: Uint8Array): void => void link.sendPacket(opcode, chan, data, 0);
  const status = (s: number): void => link.sendStatus(opcode, chan, s);
  const slot = (): ReturnType<ProtocolLink['findChannel']> => link.findChannel(chan);

  switch (opcode) {
    case Opcode.PROTO_SYNC:
      link.reset();
      status(Status.SUCCESS); // sent as sequence 0, which it advances ...
      link.sequence = 0; // ... so this puts it back: the host's next request is sequence 0
      return;
    case Opcode.PROTO_GET_CAPS: {
      const c = link.config;
      return reply(payloads.caps.encode({ crc: c.crc, seq: c.seq, ack: c.ack, events: c.events, maxPayload: c.maxPayload }));
    }
    case Opcode.PROTO_SET_CAPS: {
      const maxPayload = rx.u16(body + 4);
      if (length !== payloads.CAPS_SIZE || maxPayload < MIN_MAX_PAYLOAD || maxPayload > maxPayloadFor(link.defaults.bufferSize)) {
        return status(Status.INVALID);
      }
      status(Status.SUCCESS); // ACKed under the old caps, then applied
      const bits = rx.u32(body);
      link.config = {
        ...link.config,
        crc: (bits & CapsFlag.CRC) !== 0,
        seq: (bits & CapsFlag.SEQ) !== 0,
        ack: (bits & CapsFlag.ACK) !== 0,
        events: (bits & CapsFlag.EVENTS) !== 0,
        maxPayload,
      };
      return;
    }
    case Opcode.PROTO_STATS: {
      const s = link.stats;
      const u32 = (n: number): number => n >>> 0;
      return reply(
        payloads.stats.encode({
          sentPackets: u32(s.sentPackets),
          recvPackets: u32(s.recvPackets),
          checksumErrors: u32(s.checksumErrors),
          sequenceErrors: u32(s.sequenceErrors),
          retransmit: u32(s.retransmit),
          transportErrors: u32(s.transportErrors),
          sentEvents: u32(s.sentEvents),
        }),
      );
    }
    case Opcode.PROTO_VERSION: {
      const id = env.identity;
      return reply(payloads.version.encode({ protocol: id.protocol, bootloader: id.bootloader, firmware: id.firmware }));
    }
    case Opcode.SYS_RESET:
    case Opcode.SYS_BOOT:
      env.onSystemReset?.(opcode === Opcode.SYS_BOOT);
      return;
    case Opcode.SYS_INFO: {
      const id = env.identity;
      return reply(
        payloads.sysInfo.encode({
          ...id,
          uniqueId: '',
          features: [],
          pmuEventCounters: 0,
        }),
      );
    }
    case Opcode.SYS_MEMORY:
      return reply(payloads.memoryStats.encode(env.identity.memory?.() ?? defaultMemoryPools()));
    case Opcode.CHANNEL_LIST:
      return reply(channelList(link));
    case Opcode.CHANNEL_POLL: {
      const ready: number[] = [];
      for (let i = 0; i < link.count; i++) if (link.slots[i]?.channel.poll?.()) ready.push(i);
      return reply(payloads.pollMask.encode(ready));
    }
    case Opcode.CHANNEL_LOCK: {
      const ch = slot()?.channel;
      if (!link.timedOut(link.lastLockMs, link.config.lockIntervalMs)) return status(Status.BUSY);
      if (ch?.lock?.()) {
        link.lastLockMs = link.now();
        return status(Status.SUCCESS);
      }
      return status(Status.BUSY);
    }
    case Opcode.CHANNEL_UNLOCK:
      return status(slot()?.channel.unlock?.() ? Status.SUCCESS : Status.BUSY);
    case Opcode.CHANNEL_SIZE: {
      const ch = slot()?.channel;
      return ch?.size ? reply(payloads.channelSize.encode(sizeT(ch.size()))) : status(Status.INVALID);
    }
    case Opcode.CHANNEL_SHAPE: {
      const ch = slot()?.channel;
      return ch?.shape ? reply(payloads.shape.encode(ch.shape().slice(0, 4).map(sizeT))) : status(Status.INVALID);
    }
    case Opcode.CHANNEL_READ:
      return readChannel(link, opcode, chan, rx.u32(body), rx.u32(body + 4));
    case Opcode.CHANNEL_WRITE: {
      const ch = slot()?.channel;
      const offset = rx.u32(body);
      const count = rx.u32(body + 4); // trusted by the firmware; bounded here by the buffer's memory
      if (!ch?.write || !count) return status(Status.INVALID);
      const data = rx.bytes(body + 8, Math.min(count, rx.raw.length));
      return status(ch.write(offset, data) ? Status.SUCCESS : Status.FAILED);
    }
    case Opcode.CHANNEL_IOCTL: {
      const s = slot();
      if (!s?.channel.ioctl) return status(Status.INVALID);
      const request = rx.u32(body);
      const argLength = (length - 4) >>> 0; // size_t: a payload under 4 bytes wraps to about 4 GiB
      // Argument sizes are checked for static channels only, by the table for the packet's channel id.
      if (!(s.flags & ChannelFlag.DYNAMIC) && IOCTL_ARG_SIZES[chan]?.[request] !== argLength) return status(Status.INVALID);
      if (length < 4) return status(Status.INVALID); // a dynamic channel would get a ~4 GiB argument; refused here
      const arg = argLength ? rx.bytes(body + 4, argLength) : null;
      return status(s.channel.ioctl(request, arg) !== 0 ? Status.FAILED : Status.SUCCESS);
    }
    default: // SYS_EVENT and CHANNEL_EVENT from the host included
      return status(Status.INVALID);
  }
}

/**
 * CHANNEL_READ. readp: one send of the whole length (the sender fragments it at max_payload). read: the firmware
 * loops over chunks of min(512, max_payload), one packet per chunk, FRAGMENT on all but the last, and stops
 * with a FAILED status when a read returns nothing. A failed send does not stop the loop (nor does the firmware).
 */
function readChannel(link: ProtocolLink, opcode: number, chan: number, offset: number, length: number): void {
  const ch = link.findChannel(chan)?.channel;
  if (!length || !ch || !(ch.read || ch.readp)) return link.sendStatus(opcode, chan, Status.INVALID);
  if (ch.readp) {
    const data = ch.readp(offset, length);
    // A short buffer would make the firmware send memory past it; refused here.
    if (!data || data.length < length) return link.sendStatus(opcode, chan, Status.FAILED);
    link.sendPacket(opcode, chan, data.subarray(0, length), 0);
    return;
  }
  const chunk = Math.min(READ_CHUNK, link.config.maxPayload);
  let remaining = length;
  let at = offset;
  while (remaining > 0) {
    const want = Math.min(remaining, chunk);
    const got = ch.read?.(at, want);
    if (!got || got.length === 0) {
      link.sendStatus(opcode, chan, Status.FAILED);
      break;
    }
    const data = got.length > want ? got.subarray(0, want) : got;
    remaining -= data.length;
    at = (at + data.length) >>> 0;
    link.sendPacket(opcode, chan, data, remaining === 0 ? 0 : Flag.FRAGMENT);
  }
}

/** CHANNEL_LIST: 16-byte entries (id, u8 flags, name cut to 13 bytes and NUL-terminated) for ids below the count. */
function channelList(link: ProtocolLink): Uint8Array {
  const entries: Uint8Array[] = [];
  for (let i = 0; i < link.count; i++) {
    const s = link.slots[i];
    if (!s) continue;
    const entry = new Uint8Array(2 + CHANNEL_NAME_SIZE);
    entry[0] = i;
    entry[1] = s.flags & 0xff;
    const name = utf8.encode(s.channel.name);
    const nul = name.indexOf(0);
    entry.set(name.subarray(0, Math.min(nul === -1 ? name.length : nul, CHANNEL_NAME_SIZE - 1)), 2);
    entries.push(entry);
  }
  const out = new Uint8Array(entries.length * (2 + CHANNEL_NAME_SIZE));
  entries.forEach((e, i) => out.set(e, i * e.length));
  return out;
}

/** A size_t on the MCU: 32 bits. */
function sizeT(n: number): number {
  return Math.trunc(n) >>> 0;
}
