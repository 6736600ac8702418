/** Every structured payload codec of Protocol V2 (index.ts exports them as the `payloads` namespace). */
export type { Codec } from './payload-codec.js';
export * from './proto-payloads.js';
export * from './sys-payloads.js';
export * from './channel-payloads.js';
export * from './stream-header.js';
