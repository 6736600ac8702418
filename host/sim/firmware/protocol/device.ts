import { ChannelFlag, ChannelId, Flag, MAX_CHANNELS, Opcode, payloads, SysEvent, type Stats } from '../../../../protocol/v2/index.js';
import { processPacket, type CommandEnv } from './commands.js';
import { ProtocolLink, RxState } from './link.js';
import { defaultConfig, H7_IDENTITY, type ChannelHost, type DeviceChannel, type DeviceIdentity, type DeviceTransport, type ProtocolConfig } from './types.js';

/** How long the USB channel's read() waits for the bytes it was asked for (OMV_PROTOCOL_USB_CHANNEL_TIMEOUT_MS). */
const USB_READ_TIMEOUT_MS = 1500;

/**
 * Channel 0, "usb" (omv_usb_channel): the physical transport, listed by CHANNEL_LIST with the PHYSICAL flag. The
 * firmware does not fence it off, so CHANNEL_SIZE/READ/WRITE on channel 0 reach the raw CDC FIFO, as here.
 */
class UsbChannel implements DeviceChannel {
  readonly name = 'usb';
  readonly flags = ChannelFlag.PHYSICAL;

  constructor(private readonly link: ProtocolLink) {}

  size(): number {
    return this.link.cdcAvailable();
  }

  read(_offset: number, size: number): Uint8Array {
    const link = this.link;
    const out = new Uint8Array(size);
    const start = link.now();
    let got = 0;
    while (got < size && link.isActive()) {
      link.cdcAvailable();
      got += link.cdc.take(out, got, size - got);
      if (got < size) {
        if (link.timedOut(start, USB_READ_TIMEOUT_MS)) break;
        link.transport.waitForData(Math.max(1, USB_READ_TIMEOUT_MS + 1 - ((link.now() - start) >>> 0)));
      }
    }
    return out.subarray(0, got);
  }

  write(_offset: number, data: Uint8Array): number {
    this.link.transport.send(data.slice());
    return data.length;
  }
}

/**
 * The native Protocol V2 device side of OpenMV firmware 5.x (protocol/omv_protocol.c at cbbb877e), for the
 * virtual camera. Synchronous: poll() and task() answer what the host sent, and a packet that asks for an ACK
 * blocks (through the transport's waitForData) until it comes, a retry is due, or the link resets.
 */
export class ProtocolDevice implements ChannelHost, CommandEnv {
  private readonly link: ProtocolLink;
  private readonly usb: UsbChannel;
  private readonly statics: [number, DeviceChannel][] = [];
  /** SYS_RESET (false) and SYS_BOOT (true). The firmware resets the MCU; without a handler nothing happens. */
  onSystemReset: ((bootloader: boolean) => void) | null = null;

  /** omv_protocol_init_default(): the config (validated like omv_protocol_init), then the transport as channel 0. */
  constructor(
    transport: DeviceTransport,
    config: Partial<ProtocolConfig> = {},
    readonly identity: DeviceIdentity = H7_IDENTITY,
  ) {
    this.link = new ProtocolLink(transport, defaultConfig(config));
    this.link.process = (at) => processPacket(this.link, at, this);
    this.usb = new UsbChannel(this.link);
    this.register(0, this.usb, false);
  }

  /** The protocol counters PROTO_STATS reports (live object). */
  get stats(): Readonly<Stats> {
    return this.link.stats;
  }

  /** The caps in force (changed by SET_CAPS, restored by PROTO_SYNC and by a reset after failed retries). */
  get config(): Readonly<ProtocolConfig> {
    return this.link.config;
  }

  /** The sequence number the next packet sent will carry, and the one the next request must carry. */
  get sequence(): number {
    return this.link.sequence;
  }

  /** The receive state machine's state; WAIT_ACK while a sent packet awaits its ACK. */
  get state(): RxState {
    return this.link.waitForAck ? RxState.WAIT_ACK : this.link.state;
  }

  /** Whole milliseconds (u32), as mp_hal_ticks_ms(). */
  now(): number {
    return this.link.now();
  }

  isActive(): boolean {
    return this.link.isActive();
  }

  /** omv_protocol_find_channel: null for an id at or past the registration count. */
  channel(id: number): DeviceChannel | null {
    return this.link.findChannel(id)?.channel ?? null;
  }

  /** A built-in channel at its fixed id (1..31). Returns the id, or -1 when its init() fails. */
  registerStatic(id: number, channel: DeviceChannel): number {
    if (!Number.isInteger(id) || id < 1 || id >= MAX_CHANNELS) throw new RangeError(`static channel id must be 1..${MAX_CHANNELS - 1} (0 is the transport), got ${id}`);
    this.statics.push([id, channel]);
    return this.register(id, channel, false);
  }

  /**
   * The protocol's part of a soft reboot: omv_protocol_deinit() (ports/stm32/main.c:356), then, at the next boot,
   * omv_protocol_init_default() (main.c:326; omv_protocol.c:54-129): sequence 0, state SYNC, an empty buffer, the
   * init config back (whatever caps the host had set), no channels, then the transport and the built-ins registered
   * again (each init() runs again: stdin forgets its buffer). Script channels are gone.
   */
  reinit(): void {
    this.deinit();
    const link = this.link;
    link.reset();
    link.lastLockMs = 0;
    link.count = 0;
    link.slots.fill(null);
    this.register(0, this.usb, false);
    for (const [id, channel] of this.statics) this.register(id, channel, false);
  }

  /**
   * A script's channel (protocol.register): the first free id from 1, flags as py_protocol.c sets them (DYNAMIC,
   * plus READ/WRITE/LOCK for the operations it has), and a CHANNEL_REGISTERED system event, which does not say
   * which id. Returns the id, or -1 when init() fails or all 31 ids are taken.
   */
  registerDynamic(channel: DeviceChannel): number {
    return this.register(-1, channel, true);
  }

  /** omv_protocol_deinit (before a soft reboot): every channel's deinit(), and the dynamic ones unregistered. */
  deinit(): void {
    const link = this.link;
    for (let i = 0; i < MAX_CHANNELS; i++) {
      const slot = link.slots[i];
      if (!slot) continue;
      slot.channel.deinit?.();
      if (slot.flags & ChannelFlag.DYNAMIC) {
        link.slots[i] = null;
        link.count--;
      }
    }
  }

  /** omv_protocol_poll: takes what the host sent and answers every complete packet. */
  poll(): void {
    this.link.poll();
  }

  /** omv_protocol_task, which the firmware runs every poll_ms: every channel's tick(), then poll(). */
  task(): void {
    for (let i = 0; i < this.link.count; i++) this.link.slots[i]?.channel.tick?.();
    this.link.poll();
  }

  /**
   * omv_protocol_send_event: SYS_EVENT on channel 0, CHANNEL_EVENT elsewhere, with the EVENT flag and a u16 code
   * (none for NOTIFY). Events do not advance the sequence number; with `waitAck` (and ACKs on) it blocks for the
   * ACK like any packet. false when events are off, the transport is inactive, or the send failed.
   */
  sendEvent(channelId: number, event: number, waitAck: boolean): boolean {
    const link = this.link;
    if (!link.config.events || !link.isActive()) return false;
    const code = event & 0xffff;
    const chan = channelId & 0xff;
    link.stats.sentEvents++;
    const payload = code === SysEvent.NOTIFY ? null : payloads.event.encode(code);
    return link.sendPacket(chan === 0 ? Opcode.SYS_EVENT : Opcode.CHANNEL_EVENT, chan, payload, Flag.EVENT | (waitAck ? Flag.ACK_REQ : 0));
  }

  /**
   * omv_protocol_exec_script, called by the firmware's main loop whenever the REPL is left (after a STOP or EXEC
   * interrupt): runs the stdin channel's script, then sends the SOFT_REBOOT system event. false when no script
   * was buffered (the firmware then goes back to the REPL).
   */
  execScript(): boolean {
    const stdin = this.channel(ChannelId.STDIN);
    if (!stdin?.exec) return false;
    const ran = stdin.exec();
    if (ran) this.sendEvent(0, SysEvent.SOFT_REBOOT, false);
    return ran;
  }

  /** omv_protocol_register_channel. */
  private register(id: number, channel: DeviceChannel, dynamic: boolean): number {
    const link = this.link;
    let slotId = id;
    if (dynamic) slotId = link.slots.findIndex((s, i) => i > 0 && s === null);
    if (channel.init && !channel.init()) return -1;
    if (slotId < 0) return -1; // the firmware would store it at channels[-1]
    let flags = channel.flags;
    if (dynamic) {
      flags |= ChannelFlag.DYNAMIC;
      if (channel.read || channel.readp) flags |= ChannelFlag.READ;
      if (channel.write) flags |= ChannelFlag.WRITE;
      if (channel.lock && channel.unlock) flags |= ChannelFlag.LOCK;
    }
    link.slots[slotId] = { channel, flags };
    if (dynamic) this.sendEvent(0, SysEvent.CHANNEL_REGISTERED, false);
    link.count++; // counted after the event, and for every registration (re-registering an id counts again)
    return slotId;
  }
}
