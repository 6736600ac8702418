/** The shortest wait: below this, a host's own scheduling jitter would look like loss. */
const MIN_WAIT_MS = 10;
/** The wait before the link has seen any reply (a USB camera answers in a few ms; a probe must not hang). */
const FIRST_WAIT_MS = 250;
/** Bulk rate assumed for a request's own bytes before one is measured: slow full-speed USB. */
const FIRST_RATE = 200_000;

/** A smoothed mean and deviation of samples, as RFC 6298 keeps them for round trips. */
class Estimate {
  private mean = 0;
  private dev = 0;
  samples = 0;

  add(ms: number): void {
    if (this.samples++ === 0) {
      this.mean = ms;
      this.dev = ms / 2;
      return;
    }
    this.dev = 0.75 * this.dev + 0.25 * Math.abs(this.mean - ms);
    this.mean = 0.875 * this.mean + 0.125 * ms;
  }

  /** Mean plus four deviations, at least MIN_WAIT_MS; `none` before any sample. */
  bound(none: number): number {
    return this.samples === 0 ? none : Math.max(MIN_WAIT_MS, this.mean + 4 * this.dev);
  }
}

/**
 * How long to wait for a reply, learnt from the replies so far (the retransmission timer of RFC 6298): for its
 * first byte, the mean time to a reply plus four deviations, plus the time the request's own bytes take at the
 * rate the link has shown; once bytes arrive, the longest pause inside a reply, learnt the same way. A wait that
 * ran out in silence doubles the next one (up to four times); a reply brings it back.
 */
export class ReplyTimer {
  private readonly first = new Estimate();
  private readonly gaps = new Estimate();
  private backoff = 0;
  private rate = FIRST_RATE;

  constructor(private readonly maxWaitMs: number) {}

  /** Milliseconds to wait for the first byte of the reply to a request of `outBytes` bytes. */
  wait(outBytes = 0): number {
    return Math.min(this.maxWaitMs, this.first.bound(FIRST_WAIT_MS) * 2 ** this.backoff + (outBytes / this.rate) * 1000);
  }

  /** Milliseconds a reply that has begun may pause before the rest of it counts as lost. */
  pause(): number {
    return Math.min(this.maxWaitMs, Math.max(this.gaps.bound(this.first.bound(FIRST_WAIT_MS)), MIN_WAIT_MS));
  }

  /** A reply began `firstMs` after its request was sent, paused at most `gapMs`, and carried `bytes` over `spanMs`. */
  sample(firstMs: number, gapMs: number, bytes: number, spanMs: number): void {
    this.backoff = 0;
    this.first.add(firstMs);
    this.gaps.add(gapMs);
    if (bytes >= 4096 && spanMs > 0) this.rate = 0.75 * this.rate + 0.25 * ((bytes * 1000) / spanMs);
  }

  /**
   * A wait ran out in silence. No more than four times the learnt wait: on a noisy line waits run out because
   * requests are lost, not because the camera got slower, and a busy host's late timers are not counted at all.
   */
  expired(): void {
    if (this.backoff < 2) this.backoff++;
  }
}
