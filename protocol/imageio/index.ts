export * from './format.js';
export * from './pixformat.js';
export * from './indexer.js';
export * from './writer.js';
export * from './memory.js';
