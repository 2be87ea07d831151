/** One limit: at most `requests` presented payments in each window of `windowMs`. */
export interface RateWindow {
  requests: number
  windowMs: number
}

/** Where a take falls: its counter's key suffix and the whole seconds until that window ends. */
export interface WindowSlot {
  /** The window's index since the epoch: every instance with a synchronised clock names the same counter. */
  index: number
  /** Seconds to wait, rounded up, at least 1 (a `Retry-After` of 0 invites an instant retry). */
  retryAfterSeconds: number
}

/**
 * Fixed windows aligned on the epoch, so instances agree on a window without talking to each other
 * and a counter needs one atomic take, no read first. The price of fixed windows: a client may
 * spend one window's allowance at its end and the next at the start of the next.
 */
export function windowSlot(window: RateWindow, nowMs: number): WindowSlot {
  const index = Math.floor(nowMs / window.windowMs)
  const endsAt = (index + 1) * window.windowMs
  return { index, retryAfterSeconds: Math.max(1, Math.ceil((endsAt - nowMs) / 1000)) }
}
