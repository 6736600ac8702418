/**
 * A bounded FIFO between a producer and one consumer. `put` waits while the queue is full (backpressure),
 * `close()` is the end marker, and `fail(err)` makes the consumer's iteration throw `err` once the items before
 * it are taken — the TypeScript form of roverd's `None` / `ExceptionSentinel` queue protocol.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private head = 0;
  private ended = false;
  private error: { err: unknown } | undefined;
  private takers: (() => void)[] = [];
  private putters: (() => void)[] = [];

  constructor(readonly capacity = 64) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be ≥ 1, got ${capacity}`);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  get closed(): boolean {
    return this.ended;
  }

  async put(item: T): Promise<void> {
    while (this.length >= this.capacity && !this.ended) await new Promise<void>((r) => this.putters.push(r));
    if (this.ended) throw new Error('put() on a closed queue');
    this.items.push(item);
    this.wake(this.takers);
  }

  close(): void {
    this.ended = true;
    this.wake(this.takers, true);
    this.wake(this.putters, true);
  }

  fail(err: unknown): void {
    this.error ??= { err };
    this.close();
  }

  /** The next item, `{ done: true }` once the queue is closed and drained, or throws what `fail` was given. */
  async take(): Promise<IteratorResult<T, undefined>> {
    while (this.length === 0) {
      if (this.ended) {
        if (this.error) throw this.error.err;
        return { done: true, value: undefined };
      }
      await new Promise<void>((r) => this.takers.push(r));
    }
    const item = this.items[this.head] as T;
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    this.wake(this.putters);
    return { done: false, value: item };
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return { next: () => this.take() };
  }

  private wake(waiters: (() => void)[], all = false): void {
    if (all) {
      const ws = waiters.splice(0);
      for (const w of ws) w();
    } else {
      waiters.shift()?.();
    }
  }
}
