import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnLoopback, type TestServer } from '../../support/http.js'

/**
 * Serves a Web-standard handler `(Request) => Promise<Response>` on node:http, 127.0.0.1, a free
 * port: the few lines any Node framework needs to mount tollgate's facilitator handler.
 */
export function serveWeb(handler: (request: Request) => Promise<Response>): Promise<TestServer> {
  return listenOnLoopback(createServer((req, res) => void bridge(handler, req, res)))
}

export async function bridge(handler: (request: Request) => Promise<Response>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
    const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
      ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
    })
    const response = await handler(request)
    const outgoing: Record<string, string> = {}
    response.headers.forEach((value, name) => (outgoing[name] = value))
    res.writeHead(response.status, outgoing)
    res.end(Buffer.from(await response.arrayBuffer()))
  } catch (error) {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
    res.end(String(error))
  }
}
