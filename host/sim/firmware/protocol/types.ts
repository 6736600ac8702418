import {
  DEFAULT_BUFFER_SIZE,
  DEFAULT_POLL_MS,
  DEFAULT_RTX_RETRIES,
  DEFAULT_RTX_TIMEOUT_MS,
  HEADER_SIZE,
  HwCap,
  MemType,
  MIN_LOCK_INTERVAL_MS,
  MIN_MAX_PAYLOAD,
  PROTOCOL_VERSION,
  TRAILER_SIZE,
  type MemoryPool,
  type Triple,
} from '../../../../protocol/v2/index.js';

/**
 * The host side of the wire as the firmware's transport channel (channel 0, "usb") sees it. Synchronous: the
 * device runs on the firmware thread, next to MicroPython, so a wait is a real blocking wait.
 */
export interface DeviceTransport {
  /** Bytes from the host that arrived since the last call; never blocks. */
  receive(): Uint8Array | null;
  /** Blocks up to `ms` or until host bytes arrive. */
  waitForData(ms: number): void;
  /** To the host. */
  send(bytes: Uint8Array): void;
  /** Monotonic milliseconds. */
  now(): number;
  /** The USB channel's is_active (DTR up at the magic 921600 baud); treated as true when absent. */
  isActive?(): boolean;
}

/**
 * omv_protocol_channel_t: every operation optional, as in the C struct. The C return conventions are mapped to
 * booleans where the firmware only tests for success (init/lock/unlock: true = C's 0), and kept where the
 * firmware's test is odd (write: any nonzero is success; ioctl: 0 is success).
 */
export interface DeviceChannel {
  readonly name: string;
  readonly flags: number;
  /** false = the registration fails. */
  init?(): boolean;
  deinit?(): void;
  /** Bytes available (CHANNEL_SIZE, and the stream channel's own checks); sent as a u32. */
  size?(): number;
  /** Up to 4 dimensions, sent as u32 words (size_t on the MCU). */
  shape?(): number[];
  /** May return fewer bytes than asked; null or empty = failure. */
  read?(offset: number, size: number): Uint8Array | null;
  /** Exactly `size` bytes (zero-copy in the firmware), or null = failure. */
  readp?(offset: number, size: number): Uint8Array | null;
  /** C semantics: nonzero = success (so the firmware's -1 "failure" of stdin counts as success). */
  write?(offset: number, data: Uint8Array): number;
  /** 0 = success; `arg` is null when the request carries no argument bytes. */
  ioctl?(request: number, arg: Uint8Array | null): number;
  poll?(): boolean;
  lock?(): boolean;
  unlock?(): boolean;
  /** Called by every task() (the firmware's periodic protocol task). */
  tick?(): void;
  /** stdin only: runs the buffered script (omv_protocol_exec_script); false when there is none. */
  exec?(): boolean;
}

/** What a built-in channel needs from the device: events and the clock. ProtocolDevice implements it. */
export interface ChannelHost {
  sendEvent(channelId: number, event: number, waitAck: boolean): boolean;
  now(): number;
  isActive(): boolean;
}

/** omv_protocol_config_t: the negotiable caps, then the local transport settings. */
export interface ProtocolConfig {
  crc: boolean;
  seq: boolean;
  ack: boolean;
  events: boolean;
  maxPayload: number;
  rtxRetries: number;
  /** Doubled after every timeout. */
  rtxTimeoutMs: number;
  lockIntervalMs: number;
  /** The period the firmware runs task() at (informational: the caller drives task()). */
  pollMs: number;
  /**
   * OMV_PROTOCOL_MAX_BUFFER_SIZE, a build constant: the receive buffer, and the largest payload is this - 14.
   * 4096 by default; the OpenMV Cam H7 (OPENMV4) builds with 512, so its max payload is 498.
   */
  bufferSize: number;
}

/** omv_protocol_init_default(). */
export function defaultConfig(overrides: Partial<ProtocolConfig> = {}): ProtocolConfig {
  const bufferSize = overrides.bufferSize ?? DEFAULT_BUFFER_SIZE;
  const config: ProtocolConfig = {
    crc: true,
    seq: true,
    ack: true,
    events: true,
    maxPayload: maxPayloadFor(bufferSize),
    rtxRetries: DEFAULT_RTX_RETRIES,
    rtxTimeoutMs: DEFAULT_RTX_TIMEOUT_MS,
    lockIntervalMs: MIN_LOCK_INTERVAL_MS,
    pollMs: DEFAULT_POLL_MS,
    bufferSize,
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  // omv_protocol_init() refuses these (returns -1); a library throws.
  if (!Number.isInteger(bufferSize) || bufferSize < 64 || bufferSize > 0x10000) {
    throw new RangeError(`protocol buffer size must be an integer from 64 to 65536, got ${bufferSize}`);
  }
  if (!Number.isInteger(config.maxPayload) || config.maxPayload < MIN_MAX_PAYLOAD || config.maxPayload > maxPayloadFor(bufferSize)) {
    throw new RangeError(`max payload must be an integer from ${MIN_MAX_PAYLOAD} to ${maxPayloadFor(bufferSize)}, got ${config.maxPayload}`);
  }
  if (!(config.lockIntervalMs >= MIN_LOCK_INTERVAL_MS)) {
    throw new RangeError(`lock interval must be at least ${MIN_LOCK_INTERVAL_MS} ms, got ${config.lockIntervalMs}`);
  }
  return config;
}

/** OMV_PROTOCOL_MAX_PAYLOAD_SIZE for a buffer size. */
export function maxPayloadFor(bufferSize: number): number {
  return bufferSize - HEADER_SIZE - TRAILER_SIZE;
}

/** What SYS_INFO, PROTO_VERSION and SYS_MEMORY report; read at every request, so it may be mutated live. */
export interface DeviceIdentity {
  /** SCB->CPUID. */
  cpuId: number;
  /** The 96-bit UID as the firmware sends it: the word at UID+8, then +4, then +0. */
  devId: Triple;
  usbVid: number;
  usbPid: number;
  /** Detected sensors' chip ids, 0 where none. */
  chipId: Triple;
  hwCaps: [number, number];
  /** The firmware sends 0 for both. */
  flashSizeKb: number;
  ramSizeKb: number;
  /** The main framebuffer's raw_size / 1024 (it is allocated, and so grows, with the sensor's frame size). */
  frameBufferSizeKb: number;
  /** The stream buffer's raw_size / 1024 (OMV_SB_SIZE). */
  streamBufferSizeKb: number;
  protocol: Triple;
  bootloader: Triple;
  firmware: Triple;
  /** SYS_MEMORY pools, the GC heap first; fixed plausible H7 numbers when absent. */
  memory?: () => MemoryPool[];
}

/** OPENMV4 board_config.h: HAS_JPEG, HAS_CRC, HAS_SD; a Cortex-M7 has no PMU event counters. */
const H7_HW_CAPS = HwCap.JPEG | HwCap.CRC | HwCap.SD;

/** An OpenMV Cam H7 (STM32H743, OV5640) on firmware 5.0.0 (omv_protocol.h's OMV_FIRMWARE_VERSION). */
export const H7_IDENTITY: Readonly<DeviceIdentity> = {
  cpuId: 0x411fc271,
  devId: [0x00290031, 0x34385118, 0x36383233],
  usbVid: 0x37c5,
  usbPid: 0x1204,
  chipId: [0x56, 0, 0], // OV5640_ID as the probe reads it: one byte of register 0x300A (common/omv_csi.c:419-422)
  hwCaps: [H7_HW_CAPS, 0],
  flashSizeKb: 0,
  ramSizeKb: 0,
  frameBufferSizeKb: 0,
  streamBufferSizeKb: 32,
  protocol: [...PROTOCOL_VERSION],
  bootloader: [1, 2, 0],
  firmware: [5, 0, 0],
};

/** OPENMV4's GC blocks (64K + 264K) and its one UMA pool (480K in SRAM0), lightly used. */
export function defaultMemoryPools(): MemoryPool[] {
  const gcTotal = (64 + 264) * 1024;
  const umaTotal = 480 * 1024;
  return [
    { type: MemType.GC, flags: 0, total: gcTotal, used: 21_504, free: gcTotal - 21_504, persist: 0, peak: 0 },
    { type: MemType.UMA, flags: 0, total: umaTotal, used: 8_192, free: umaTotal - 8_192, persist: 4_096, peak: 12_288 },
  ];
}
