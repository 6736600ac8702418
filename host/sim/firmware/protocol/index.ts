/** The virtual camera's native Protocol V2 device side (OpenMV firmware 5.x), and its built-in channels. */
export { ProtocolDevice } from './device.js';
export { RxState } from './link.js';
export { StdinChannel, StdoutChannel, DEFAULT_STDIO_BUFFER_SIZE, STDIO_FLUSH_MS, type StdinHooks } from './stdio-channels.js';
export { StreamChannel, type StreamChannelOptions, type StreamFrameInput } from './stream-channel.js';
export {
  defaultConfig,
  defaultMemoryPools,
  H7_IDENTITY,
  maxPayloadFor,
  type ChannelHost,
  type DeviceChannel,
  type DeviceIdentity,
  type DeviceTransport,
  type ProtocolConfig,
} from './types.js';
