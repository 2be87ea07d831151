/**
 * A Web Request as the core reads it, with `readBody` for prices that depend on the body. The body
 * is read from a clone, so the handler still gets the original's whole body; the clone is cancelled
 * once past the cap, so the source is pulled at most about `maxBytes + 1` bytes (and one chunk) far
 * before the handler reads it. Nothing here touches a Node API.
 */
import type { RequestLike } from '../src/index.js'
import { readBoundedBytes } from '../src/http/read-body.js'

class WebRequest implements RequestLike {
  private lastRead: { maxBytes: number; bytes: Promise<Uint8Array | null> } | undefined

  constructor(private readonly request: Request) {}

  get method(): string {
    return this.request.method
  }

  get url(): string {
    return this.request.url
  }

  get headers(): Headers {
    return this.request.headers
  }

  readBody(maxBytes: number): Promise<Uint8Array | null> {
    if (this.lastRead?.maxBytes === maxBytes) return this.lastRead.bytes
    // A clone per cap, made now (not after an await), so no reader of the original can come first.
    const bytes = this.request.body === null ? Promise.resolve(new Uint8Array(0)) : readClone(this.request, maxBytes)
    this.lastRead = { maxBytes, bytes }
    return bytes
  }
}

function readClone(request: Request, maxBytes: number): Promise<Uint8Array | null> {
  if (request.bodyUsed) return Promise.reject(new TypeError('the request body was read before the paywall: its price cannot depend on it'))
  return readBoundedBytes(request.clone(), maxBytes)
}

export function webRequestLike(request: Request): RequestLike {
  return new WebRequest(request)
}
