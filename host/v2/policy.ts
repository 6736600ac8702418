/**
 * How hard every command tries before it gives up on a camera: one policy for sync, the daemon, capture, view,
 * info, ls and the rest, set in the config file (`link`) or with --timeout / --retries.
 */
export interface LinkPolicy {
  /**
   * How long (ms) the camera may stay silent, not a byte from it while a request waits, before it counts as gone.
   * A request lost on the way is sent again long before that, after a wait the link learns from its replies.
   */
  timeoutMs: number;
  /** How many times in a row one request may fail (damaged, lost, refused as damaged) and be sent again. */
  retries: number;
}

/** Enough for a line that damages one byte in a hundred, and for a host whose cores are busy with other work. */
export const DEFAULT_LINK_POLICY: LinkPolicy = { timeoutMs: 5000, retries: 40 };
