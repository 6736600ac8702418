import { AsyncQueue } from '../async-queue.js';

/**
 * roverd's `Prefetch`: a producer starts iterating `source` at once and fills a bounded queue of `size` items ahead
 * of the consumer. A failure of `source` reaches the consumer after the items before it. Stopping early
 * (`break`, `return()`) closes the queue, which ends the producer and closes `source`.
 */
export function prefetch<T>(source: AsyncIterable<T>, size: number): AsyncIterableIterator<T> {
  const queue = new AsyncQueue<T>(size);
  let stopped = false;
  const producer = (async () => {
    try {
      for await (const item of source) await queue.put(item);
      queue.close();
    } catch (err) {
      queue.fail(err);
    }
  })();
  return {
    next: async () => (stopped ? { done: true, value: undefined } : queue.take()),
    async return() {
      stopped = true;
      queue.close();
      await producer;
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
