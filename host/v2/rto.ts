/** The shortest wait for a reply to begin: below this, a host's own scheduling jitter would look like loss. */
const MIN_WAIT_MS = 25;
/** The wait before the link has seen any reply (a USB camera answers in a few ms; a probe must not hang). */
const FIRST_WAIT_MS = 250;
/** Bulk rate assumed for a request's own bytes before one is measured: slow full-speed USB. */
const FIRST_RATE = 200_000;

/**
 * How long to wait for a reply, learnt from the replies so far (the retransmission timer of RFC 6298): the mean
 * time to a reply's first byte plus four deviations, doubled after each wait that ran out and back to normal after
 * a reply; plus the time the request's own bytes take at the rate the link has shown. A waiting reply restarts
 * the wait with every byte that arrives, so a long reply never needs a long wait, only an unbroken stream.
 */
export class ReplyTimer {
  private srtt = 0;
  private rttvar = 0;
  private samples = 0;
  private backoff = 0;
  private rate = FIRST_RATE;

  constructor(private readonly maxWaitMs: number) {}

  /** Milliseconds to wait for the first byte of the reply to a request of `outBytes` bytes. */
  wait(outBytes = 0): number {
    const base = this.samples === 0 ? FIRST_WAIT_MS : Math.max(MIN_WAIT_MS, this.srtt + 4 * this.rttvar);
    return Math.min(this.maxWaitMs, base * 2 ** this.backoff + (outBytes / this.rate) * 1000);
  }

  /** A reply began `ms` after its request was sent. */
  sample(ms: number): void {
    this.backoff = 0;
    if (this.samples++ === 0) {
      this.srtt = ms;
      this.rttvar = ms / 2;
      return;
    }
    this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
    this.srtt = 0.875 * this.srtt + 0.125 * ms;
  }

  /** `bytes` of one reply arrived over `ms` (first to last byte). */
  sampleRate(bytes: number, ms: number): void {
    if (bytes >= 4096 && ms > 0) this.rate = 0.75 * this.rate + 0.25 * ((bytes * 1000) / ms);
  }

  /**
   * A wait ran out: wait twice as long next time, up to four times. No more: on a noisy line waits run out because
   * requests are lost, not because the camera got slower, and a busy host's late timers are not counted at all.
   */
  expired(): void {
    if (this.backoff < 2) this.backoff++;
  }
}
