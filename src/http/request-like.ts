/**
 * The least a request must offer the core. A Web-standard `Request` satisfies it as it is;
 * Node adapters build one from IncomingMessage without copying the body (the core never reads it).
 */
export interface RequestLike {
  method: string
  /** Absolute URL: it becomes the `resource` of the 402 challenge. */
  url: string
  headers: { get(name: string): string | null }
}
