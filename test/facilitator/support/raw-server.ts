import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnLoopback, type TestServer } from '../../support/http.js'

/** What a raw facilitator saw of one request. */
export interface Seen {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

export interface RawServer extends TestServer {
  port: number
  /** Every request received, in order. */
  readonly seen: Seen[]
}

/**
 * A real node:http peer whose answers a test writes by hand (redirects, endless bodies, echoes):
 * the faults a facilitator's HTTP layer can show, which no real facilitator shows on demand.
 */
export async function startRawServer(answer: (req: Seen, res: ServerResponse, raw: IncomingMessage) => void): Promise<RawServer> {
  const seen: Seen[] = []
  const server = await listenOnLoopback(
    createServer(async (req, res) => {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }
      seen.push(request)
      answer(request, res, req)
    }),
  )
  return { ...server, port: Number(new URL(server.url).port), seen }
}

/** Streams `total` bytes of a JSON-looking chunked body (no content-length), honouring backpressure, counting what the socket took. */
export function streamHuge(res: ServerResponse, total: number, progress: { written: number; closed: boolean }): void {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.on('close', () => (progress.closed = true))
  const chunk = Buffer.alloc(16 * 1024, 0x20)
  res.write('{"isValid": true, "padding": "')
  const pump = () => {
    while (progress.written < total && !res.destroyed) {
      progress.written += chunk.length
      if (!res.write(chunk)) return void res.once('drain', pump)
    }
    if (!res.destroyed) res.end('"}')
  }
  pump()
}
