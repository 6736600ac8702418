export * from './constants.js';
export * from './crc.js';
export * from './packet.js';
export * from './decoder.js';
export * as payloads from './payloads.js';
export type { Caps, Stats, Version, SysInfo, MemoryPool, ChannelEntry, ReadRequest, WriteRequest, IoctlRequest, StreamHeader } from './payloads.js';
