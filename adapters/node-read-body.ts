/**
 * Reads the start of a Node request body for the core (a price that depends on the body) and puts
 * it back, so the handler and its body parser (express.json(), koa-bodyparser, raw-body) still
 * receive the whole body. The body is pulled at most `maxBytes + 1` bytes far: past the cap it is
 * left in the socket, under its backpressure.
 *
 * The bytes go back with `unshift` in the same synchronous turn as the last `read()`, which also
 * keeps Node from emitting 'end' before the handler's parser listens (an ended stream is refused by
 * raw-body). The end is judged by `req.complete` (the whole message is parsed and pushed), so an
 * empty body is never `read()` at all.
 */
import type { IncomingMessage } from 'node:http'

/** A body a framework parsed before the paywall ran (the stream is consumed): its bytes, as well as they can be known. */
export type ParsedBody = () => Uint8Array | undefined

export function readNodeBody(req: IncomingMessage, maxBytes: number, parsed?: ParsedBody): Promise<Uint8Array | null> {
  const known = consumed(req) ? parsed?.() : undefined
  if (known) return Promise.resolve(known.byteLength > maxBytes ? null : known)
  if (consumed(req)) return Promise.resolve(new Uint8Array(0))
  if (Number(req.headers['content-length'] ?? '0') > maxBytes) return Promise.resolve(null)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const finish = (result: Uint8Array | null) => {
      cleanup()
      // Same turn as the last read(): the bytes are back before Node could emit 'end'.
      if (size > 0) req.unshift(Buffer.concat(chunks, size))
      resolve(result)
    }
    const pull = () => {
      while (req.readableLength > 0 && size <= maxBytes) {
        const chunk = req.read(Math.min(req.readableLength, maxBytes + 1 - size)) as Buffer | null
        if (chunk === null) break
        chunks.push(chunk)
        size += chunk.length
      }
      if (size > maxBytes) return finish(null)
      if (req.complete && req.readableLength === 0) return finish(Buffer.concat(chunks, size))
      req.once('readable', pull)
    }
    const gone = () => {
      cleanup()
      reject(new Error('the request ended before its body was read'))
    }
    const cleanup = () => {
      req.off('readable', pull)
      req.off('close', gone)
      req.off('error', gone)
    }
    req.once('close', gone)
    req.once('error', gone)
    pull()
  })
}

/** Whether a parser has read the stream already (body-parser marks `_body`; any reader ends it). */
function consumed(req: IncomingMessage): boolean {
  return (req as { _body?: boolean })._body === true || req.readableEnded
}

/** The bytes of a body a framework has parsed: a Buffer or string as it is, anything else as JSON. */
export function bytesOfParsed(body: unknown): Uint8Array | undefined {
  if (body === undefined || body === null) return undefined
  if (body instanceof Uint8Array) return body
  if (typeof body === 'string') return Buffer.from(body, 'utf8')
  return Buffer.from(JSON.stringify(body), 'utf8')
}
