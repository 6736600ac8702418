/** `fn(0) … fn(count - 1)` with at most `limit` running at once; results in index order. Stops issuing calls after a failure. */
export async function mapLimit<R>(count: number, limit: number, fn: (index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(count);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < count && !failed) {
      const i = next++;
      try {
        out[i] = await fn(i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return out;
}

/** Yields `fn(0) … fn(count - 1)` in order while keeping up to `depth` calls running ahead of the consumer. */
export async function* readAhead<R>(count: number, depth: number, fn: (index: number) => Promise<R>): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  let next = 0;
  const fill = (): void => {
    while (next < count && pending.length < depth) {
      const p = fn(next++);
      // Marked handled now: a read the consumer never reaches (it stopped early) must not be an unhandled rejection.
      p.catch(() => undefined);
      pending.push(p);
    }
  };
  fill();
  while (pending.length > 0) {
    const value = await (pending[0] as Promise<R>);
    pending.shift();
    fill();
    yield value;
  }
}
