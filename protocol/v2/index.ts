export * from './constants.js';
export { CRC16_INIT, CRC16_POLY, CRC32_INIT, CRC32_POLY, crc16, crc32 } from './crc.js';
export * from './packet.js';
export * from './decoder.js';
export * as payloads from './payloads.js';
export type {
  Caps,
  ChannelEntry,
  Codec,
  IoctlRequest,
  MemoryPool,
  ReadRequest,
  Stats,
  StreamFrame,
  StreamHeader,
  SysInfo,
  Triple,
  Version,
  WriteRequest,
} from './payloads.js';
