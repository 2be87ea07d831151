import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * TEST DOUBLES for faults a real facilitator cannot be made to show on demand: slow answers, 500s,
 * malformed JSON, a verifier that says yes to anything, a process that goes away between verify and
 * settle. Each route either answers itself or forwards to a real facilitator.
 */
export type StubReply =
  | { status: number; body: unknown; delayMs?: number }
  /** Never answers (until the stub closes). */
  | { hang: true }

export type StubRoute = (body: unknown) => StubReply | Promise<StubReply>

export interface StubFacilitator {
  url: string
  port: number
  /** Requests received per route. */
  readonly calls: Record<string, number>
  /** Closes the port: from now on connections are refused. */
  close(): Promise<void>
}

export async function startStubFacilitator(routes: Partial<Record<'supported' | 'verify' | 'settle', StubRoute>>, port = 0): Promise<StubFacilitator> {
  const calls: Record<string, number> = {}
  const timers = new Set<NodeJS.Timeout>()
  const server: Server = createServer(async (req, res) => {
    const route = (req.url ?? '').replace(/^\/+|\/+$/g, '') as 'supported' | 'verify' | 'settle'
    calls[route] = (calls[route] ?? 0) + 1
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const handler = routes[route]
    if (!handler) {
      res.writeHead(404).end()
      return
    }
    const text = Buffer.concat(chunks).toString('utf8')
    const reply = await handler(text ? (JSON.parse(text) as unknown) : undefined)
    if ('hang' in reply) return
    const send = () => {
      if (res.destroyed) return
      // No keep-alive: a closed stub must refuse the next request, not fail it on a stale socket.
      res.writeHead(reply.status, { 'content-type': 'application/json', connection: 'close' })
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body))
    }
    if (!reply.delayMs) return send()
    const timer = setTimeout(() => {
      timers.delete(timer)
      send()
    }, reply.delayMs)
    timers.add(timer)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const bound = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer)
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A route that asks a real facilitator and passes its answer on. */
export function forwardTo(url: string, route: 'supported' | 'verify' | 'settle', headers: Record<string, string>, delayMs?: number): StubRoute {
  return async (body) => {
    const res = await fetch(`${url}/${route}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: res.status, body: await res.text(), ...(delayMs ? { delayMs } : {}) }
  }
}
