/**
 * Runs `work` on up to `limit` items at once and hands the results to `consume` strictly in the order the items
 * were added. `add` resolves as soon as the item is admitted (waiting only while `limit` items are in flight), so a
 * producer keeps going while earlier items are still being worked on. The first failure is thrown by the next
 * `add` or by `drain`.
 */
export class OrderedPipeline<T, R> {
  private readonly inFlight: Promise<R>[] = [];
  private consuming: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  private stopped = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly work: (item: T) => Promise<R>,
    private readonly consume: (result: R) => Promise<void>,
  ) {}

  async add(item: T): Promise<void> {
    this.check();
    while (this.inFlight.length >= this.limit) await new Promise<void>((ok) => this.waiters.push(ok));
    this.check();
    const result = this.work(item);
    result.catch(() => {}); // observed below, in order
    this.inFlight.push(result);
    this.consuming = this.consuming.then(async () => {
      try {
        if (!this.failure && !this.stopped) await this.consume(await result);
      } catch (error) {
        this.failure ??= { error };
      } finally {
        this.inFlight.shift();
        this.waiters.shift()?.();
      }
    });
  }

  async drain(): Promise<void> {
    await this.consuming;
    this.check();
  }

  /** Hands nothing more to `consume` and waits until it is out of it: then what it writes to can be removed. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.consuming;
  }

  private check(): void {
    if (this.failure) throw this.failure.error;
  }
}
