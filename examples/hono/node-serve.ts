/**
 * Serves a fetch handler (`(Request) => Promise<Response>`) on Node's http module: what
 * `@hono/node-server` does, in the few lines this example needs. Bun, Deno and Workers need none of it.
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'

export interface NodeServer {
  url: string
  close(): Promise<void>
}

export async function serveOnNode(handler: (request: Request) => Response | Promise<Response>, host: string, port: number): Promise<NodeServer> {
  const server = createServer((req, res) => {
    // The request's signal tells the paywall a buyer hung up before the answer was ready (no charge then).
    const hangUp = new AbortController()
    res.once('close', () => {
      if (!res.writableFinished) hangUp.abort()
    })
    Promise.resolve(handler(toRequest(req, hangUp.signal))).then(
      (response) => {
        response.headers.forEach((value, name) => res.appendHeader(name, value))
        res.writeHead(response.status, response.statusText)
        if (response.body) Readable.fromWeb(response.body as never).pipe(res)
        else res.end()
      },
      () => res.writeHead(500).end(),
    )
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve))
  const { address, port: bound } = server.address() as AddressInfo
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, String(value))
  const body = req.method === 'GET' || req.method === 'HEAD' ? null : (Readable.toWeb(req) as ReadableStream)
  return new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, body, signal, ...(body ? { duplex: 'half' } : {}) })
}
