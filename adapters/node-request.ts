/** IncomingMessage → the RequestLike the core reads, without copying anything it does not need. */
import type { IncomingMessage } from 'node:http'
import type { RequestLike } from '../src/index.js'
import { readNodeBody, type ParsedBody } from './node-read-body.js'

/**
 * A RequestLike over Node headers (lower-cased by Node; repeated ones joined as the Fetch API does).
 * The URL may be given as a function: it is built only if an answer needs it (a paid call never
 * does). A class, not an object literal with a getter, because V8 keeps it fast on the hot path.
 */
class NodeRequest implements RequestLike {
  readonly method: string
  readonly headers: NodeHeaders
  private absoluteUrl: string | (() => string)
  private readonly req: IncomingMessage
  private readonly parsed: ParsedBody | undefined
  /** One read at a time, and the last answer for the same cap, so a second call sees the same bytes. */
  private lastRead: { maxBytes: number; bytes: Promise<Uint8Array | null> } | undefined

  constructor(req: IncomingMessage, absoluteUrl: string | (() => string), parsed?: ParsedBody) {
    this.method = req.method ?? 'GET'
    this.headers = new NodeHeaders(req)
    this.absoluteUrl = absoluteUrl
    this.req = req
    this.parsed = parsed
  }

  readBody(maxBytes: number): Promise<Uint8Array | null> {
    if (this.lastRead?.maxBytes === maxBytes) return this.lastRead.bytes
    // The bytes read are put back, so a read with another cap starts from the beginning again.
    const before = this.lastRead?.bytes.catch(() => null) ?? Promise.resolve(null)
    const bytes = before.then(() => readNodeBody(this.req, maxBytes, this.parsed))
    this.lastRead = { maxBytes, bytes }
    return bytes
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

/**
 * `parsed` gives the bytes of a body the framework parsed before the paywall ran (the stream is
 * consumed then): Fastify always does; Express or Koa when a body parser is mounted first.
 */
export function nodeRequestLike(req: IncomingMessage, absoluteUrl: string | (() => string), parsed?: ParsedBody): RequestLike {
  return new NodeRequest(req, absoluteUrl, parsed)
}
