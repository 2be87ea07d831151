/**
 * The least a request must offer the core. A Web-standard `Request` satisfies it as it is;
 * Node adapters build one from IncomingMessage without copying the body (the core never reads it).
 */
export interface RequestLike {
  method: string
  /** Absolute URL: it becomes the `resource` of the 402 challenge. */
  url: string
  headers: { get(name: string): string | null }
  /**
   * The request body, for prices that depend on it: at most `maxBytes` of it, or null when it is
   * larger (the adapter then stops reading after `maxBytes + 1` bytes and buffers no more). Calling
   * it again returns the same bytes, and the handler still receives the whole body afterwards.
   * Every adapter's request offers it; a bare Web `Request` passed to the core does not (use
   * `withBodyReader(request)` from the fetch adapter bridge for that).
   */
  readBody?(maxBytes: number): Promise<Uint8Array | null>
}
