/** IncomingMessage → the RequestLike the core reads, without copying anything it does not need. */
import type { IncomingMessage } from 'node:http'
import type { RequestLike } from '../src/index.js'
import { readNodeBody, type ParsedBody } from './node-read-body.js'

/**
 * A RequestLike over Node headers (lower-cased by Node; repeated ones joined as the Fetch API does).
 * The URL is built only if an answer needs it (a paid call never does). A class, not an object
 * literal with a getter, because V8 keeps it fast on the hot path; an adapter subclasses it to say
 * how its framework builds the URL and finds a parsed body, so a request allocates no closures.
 */
export abstract class NodeRequestBase implements RequestLike {
  readonly method: string
  readonly headers: NodeHeaders
  private absoluteUrl: string | undefined
  /** One read at a time, and the last answer for the same cap, so a second call sees the same bytes. */
  private lastRead: { maxBytes: number; bytes: Promise<Uint8Array | null> } | undefined

  constructor(protected readonly req: IncomingMessage) {
    this.method = req.method ?? 'GET'
    this.headers = new NodeHeaders(req)
  }

  /** The absolute URL of the request as the framework sees it (its proxy settings included). */
  protected abstract buildUrl(): string

  /** The bytes of a body the framework parsed before the paywall ran (see `nodeRequestLike`). */
  protected parsedBody(): Uint8Array | undefined {
    return undefined
  }

  readBody(maxBytes: number): Promise<Uint8Array | null> {
    if (this.lastRead?.maxBytes === maxBytes) return this.lastRead.bytes
    // The bytes read are put back, so a read with another cap starts from the beginning again.
    const before = this.lastRead?.bytes.catch(() => null) ?? Promise.resolve(null)
    const bytes = before.then(() => readNodeBody(this.req, maxBytes, () => this.parsedBody()))
    this.lastRead = { maxBytes, bytes }
    return bytes
  }

  get url(): string {
    this.absoluteUrl ??= this.buildUrl()
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

class NodeRequest extends NodeRequestBase {
  constructor(
    req: IncomingMessage,
    private readonly absolute: string | (() => string),
    private readonly parsed: ParsedBody | undefined,
  ) {
    super(req)
  }

  protected buildUrl(): string {
    return typeof this.absolute === 'function' ? this.absolute() : this.absolute
  }

  protected override parsedBody(): Uint8Array | undefined {
    return this.parsed?.()
  }
}

/**
 * `parsed` gives the bytes of a body the framework parsed before the paywall ran (the stream is
 * consumed then): Fastify always does; Express or Koa when a body parser is mounted first.
 */
export function nodeRequestLike(req: IncomingMessage, absoluteUrl: string | (() => string), parsed?: ParsedBody): RequestLike {
  return new NodeRequest(req, absoluteUrl, parsed)
}
