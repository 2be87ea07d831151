import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { listenOnLoopback, type TestServer } from '../http.js'
import { RpcFailure } from './errors.js'
import type { Method } from './rpc-methods.js'

/**
 * A fault on the next calls of one method:
 * - `drop`: the connection is cut before the call is looked at (it never reached the node);
 * - `lose-answer`: the call runs (a transaction lands) and then the connection is cut;
 * - `http-503`: a load balancer answers 503 without asking the node;
 * - `rpc-error`: the node answers JSON-RPC error -32005 (node behind).
 */
export type FaultKind = 'drop' | 'lose-answer' | 'http-503' | 'rpc-error'

export interface RpcServer extends TestServer {
  /** Where the test-only control methods answer: its own port, so it stays up while the RPC is down. */
  controlUrl: string
  /** RPC calls received per method (control calls excluded). */
  calls: Record<string, number>
  faults: Map<string, { kind: FaultKind; times: number }>
  /** Down: the RPC port stops listening (connections refused, open ones cut); up: it listens again on the same port. */
  setDown(down: boolean): Promise<void>
}

interface Envelope {
  jsonrpc?: string
  id?: unknown
  method?: unknown
  params?: unknown
}

const cut = (req: IncomingMessage) => (req.socket as Socket).destroy()

/**
 * JSON-RPC 2.0 over node:http on two free loopback ports: one answers the node methods, the other
 * the test-only controls. Batches are answered in order.
 */
export async function startRpcServer(methods: Record<string, Method>, controls: Record<string, Method>): Promise<RpcServer> {
  const state = { calls: {} as Record<string, number>, faults: new Map<string, { kind: FaultKind; times: number }>() }

  const answer = async (envelope: Envelope, table: Record<string, Method>, control: boolean) => {
    const id = envelope.id ?? null
    const name = typeof envelope.method === 'string' ? envelope.method : ''
    const method = Object.hasOwn(table, name) ? table[name] : undefined
    if (!control) state.calls[name] = (state.calls[name] ?? 0) + 1
    if (!method) return { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } }
    try {
      const params = Array.isArray(envelope.params) ? envelope.params : []
      return { jsonrpc: '2.0', id, result: await method(params) }
    } catch (error) {
      if (error instanceof RpcFailure) return { jsonrpc: '2.0', id, error: { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) } }
      return { jsonrpc: '2.0', id, error: { code: -32603, message: error instanceof Error ? error.message : String(error) } }
    }
  }

  /** The fault armed for the first method of this request, consumed once. */
  const takeFault = (envelopes: Envelope[]) => {
    for (const e of envelopes) {
      const fault = state.faults.get(String(e.method))
      if (!fault) continue
      fault.times -= 1
      if (fault.times <= 0) state.faults.delete(String(e.method))
      return fault.kind
    }
    return undefined
  }

  const handle = async (req: IncomingMessage, res: ServerResponse, control: boolean) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    let body: unknown
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }))
      return
    }
    const batch = Array.isArray(body)
    const envelopes = (batch ? body : [body]) as Envelope[]
    const fault = control ? undefined : takeFault(envelopes)
    if (fault === 'drop') return cut(req)
    if (fault === 'http-503') {
      res.writeHead(503, { 'content-type': 'text/plain' })
      res.end('Service Unavailable')
      return
    }
    const answers =
      fault === 'rpc-error'
        ? envelopes.map((e) => ({ jsonrpc: '2.0', id: e.id ?? null, error: { code: -32005, message: 'Node is behind by 42 slots', data: { numSlotsBehind: 42 } } }))
        : await Promise.all(envelopes.map((e) => answer(e, control ? controls : methods, control)))
    if (fault === 'lose-answer') return cut(req)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(batch ? answers : answers[0]))
  }

  const serve = (control: boolean) =>
    createServer((req, res) => {
      handle(req, res, control).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(String(error))
      })
    })
  const rpc = serve(false)
  const listening = await listenOnLoopback(rpc)
  const controlServer = await listenOnLoopback(serve(true))
  const port = Number(new URL(listening.url).port)
  let down = false
  const setDown = async (value: boolean) => {
    if (value === down) return
    down = value
    if (value) {
      rpc.closeAllConnections()
      await new Promise<void>((resolve) => rpc.close(() => resolve()))
    } else {
      await new Promise<void>((resolve, reject) => {
        rpc.once('error', reject)
        rpc.listen(port, '127.0.0.1', () => resolve())
      })
    }
  }
  return Object.assign(state, {
    url: listening.url,
    controlUrl: controlServer.url,
    setDown,
    close: async () => {
      await controlServer.close()
      if (!down) await listening.close()
    },
  })
}
