import { EventEmitter } from 'node:events';
import { encodePacket, Flag, Opcode, PacketDecoder, payloads, Status, type Packet } from '../../protocol/v2/index.js';

/**
 * A scripted Protocol V2 device for testing the host client in isolation: it answers the basic requests from
 * in-memory channels, and lets a test lose, corrupt or delay replies. It is NOT the firmware emulation (that is
 * host/sim); it only follows the sequence-number rules the client relies on.
 */
export class FakeCamera extends EventEmitter {
  private readonly decoder = new PacketDecoder();
  seq = 0;
  maxPayload = 4082;
  ack = true;
  readonly channels: { id: number; flags: number; name: string; data: Uint8Array }[] = [
    { id: 1, flags: 6, name: 'stdin', data: new Uint8Array(0) },
    { id: 4, flags: 1, name: 'omvd.file', data: new Uint8Array(0) },
  ];
  /** Called with each reply packet before it is sent; return null to lose it, or other bytes to send instead. */
  tamper: (packet: Packet, bytes: Uint8Array) => Uint8Array | null = (_p, b) => b;
  readonly requests: Packet[] = [];
  readonly acksReceived: Packet[] = [];

  write(data: Uint8Array): boolean {
    this.decoder.push(new Uint8Array(data), (p) => this.onPacket(p));
    return true;
  }

  /** Sends an event packet (no sequence number). */
  event(chan: number, event: number): void {
    this.emit('data', encodePacket({ seq: 0, chan, flags: Flag.EVENT, opcode: chan === 0 ? Opcode.SYS_EVENT : Opcode.CHANNEL_EVENT, payload: payloads.event.encode(event) }));
  }

  private send(p: Omit<Packet, 'seq'>): void {
    const packet: Packet = { ...p, seq: this.seq, flags: p.flags | (this.ack && !(p.flags & (Flag.ACK | Flag.NAK | Flag.EVENT)) ? Flag.ACK_REQ : 0) };
    this.seq = (this.seq + 1) & 0xff;
    const bytes = this.tamper(packet, encodePacket(packet));
    if (bytes) setImmediate(() => this.emit('data', bytes));
  }

  private reply(req: Packet, payload: Uint8Array): void {
    for (let at = 0; at < payload.length || at === 0; at += this.maxPayload) {
      const part = payload.subarray(at, at + this.maxPayload);
      const more = at + this.maxPayload < payload.length;
      this.send({ chan: req.chan, opcode: req.opcode, flags: more ? Flag.FRAGMENT : 0, payload: part });
      if (payload.length === 0) break;
    }
  }

  private status(req: Packet, status: number): void {
    if (status === Status.SUCCESS) this.send({ chan: req.chan, opcode: req.opcode, flags: Flag.ACK, payload: new Uint8Array(0) });
    else this.send({ chan: req.chan, opcode: req.opcode, flags: Flag.NAK, payload: payloads.nakStatus.encode(status) });
  }

  private onPacket(p: Packet): void {
    if (p.flags & (Flag.ACK | Flag.NAK)) {
      this.acksReceived.push(p);
      return;
    }
    this.requests.push(p);
    if (p.opcode !== Opcode.PROTO_SYNC && p.seq !== this.seq) return this.status(p, Status.SEQUENCE);
    const ch = this.channels.find((c) => c.id === p.chan);
    switch (p.opcode) {
      case Opcode.PROTO_SYNC:
        this.seq = 0;
        this.ack = true;
        this.maxPayload = 4082;
        this.status(p, Status.SUCCESS);
        this.seq = 0;
        return;
      case Opcode.PROTO_GET_CAPS:
        return this.reply(p, payloads.caps.encode({ ...payloads.DEFAULT_CAPS, ack: this.ack, maxPayload: this.maxPayload }));
      case Opcode.PROTO_SET_CAPS: {
        const caps = payloads.caps.decode(p.payload);
        this.status(p, Status.SUCCESS);
        this.ack = caps.ack;
        this.maxPayload = caps.maxPayload;
        return;
      }
      case Opcode.PROTO_VERSION:
        return this.reply(p, payloads.version.encode({ protocol: [1, 0, 2], bootloader: [1, 2, 0], firmware: [5, 0, 0] }));
      case Opcode.SYS_INFO:
        return this.reply(
          p,
          payloads.sysInfo.encode({ cpuId: 0x411fc271, devId: [0x11223344, 0x55667788, 0x99aabbcc], uniqueId: '', usbVid: 0x37c5, usbPid: 0x1204, chipId: [0x5640, 0, 0], hwCaps: [0, 0], features: [], pmuEventCounters: 0, flashSizeKb: 0, ramSizeKb: 0, frameBufferSizeKb: 1024, streamBufferSizeKb: 512 }),
        );
      case Opcode.CHANNEL_LIST:
        return this.reply(p, payloads.channelList.encode(this.channels.map(({ id, flags, name }) => ({ id, flags, name }))));
      case Opcode.CHANNEL_SIZE:
        return ch ? this.reply(p, payloads.channelSize.encode(ch.data.length)) : this.status(p, Status.INVALID);
      case Opcode.CHANNEL_READ: {
        const { offset, length } = payloads.readRequest.decode(p.payload);
        if (!ch || offset + length > ch.data.length) return this.status(p, Status.FAILED);
        return this.reply(p, ch.data.subarray(offset, offset + length));
      }
      case Opcode.CHANNEL_IOCTL:
        return this.status(p, ch ? Status.SUCCESS : Status.INVALID);
      default:
        return this.status(p, Status.INVALID);
    }
  }
}
