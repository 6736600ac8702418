export * from './errors.js';
export * from './format.js';
export * from './pixformat.js';
export * from './record.js';
export * from './indexer.js';
export * from './writer.js';
export * from './memory.js';
