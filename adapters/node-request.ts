/** IncomingMessage → the RequestLike the core reads, without copying anything it does not need. */
import type { IncomingMessage } from 'node:http'
import type { RequestLike } from '../src/index.js'

/**
 * A RequestLike over Node headers (lower-cased by Node; repeated ones joined as the Fetch API does).
 * The URL may be given as a function: it is built only if an answer needs it (a paid call never
 * does). A class, not an object literal with a getter, because V8 keeps it fast on the hot path.
 */
class NodeRequest implements RequestLike {
  readonly method: string
  readonly headers: NodeHeaders
  private absoluteUrl: string | (() => string)

  constructor(req: IncomingMessage, absoluteUrl: string | (() => string)) {
    this.method = req.method ?? 'GET'
    this.headers = new NodeHeaders(req)
    this.absoluteUrl = absoluteUrl
  }

  get url(): string {
    if (typeof this.absoluteUrl === 'function') this.absoluteUrl = this.absoluteUrl()
    return this.absoluteUrl
  }
}

class NodeHeaders {
  constructor(private readonly req: IncomingMessage) {}

  get(name: string): string | null {
    const value = this.req.headers[name.toLowerCase()]
    if (value === undefined) return null
    return Array.isArray(value) ? value.join(', ') : value
  }
}

export function nodeRequestLike(req: IncomingMessage, absoluteUrl: string | (() => string)): RequestLike {
  return new NodeRequest(req, absoluteUrl)
}
