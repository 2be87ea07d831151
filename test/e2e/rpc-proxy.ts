import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { listenOnLoopback } from '../support/http.js'

export interface RpcProxy {
  /** http://127.0.0.1:<port> of the proxy. */
  url: string
  /** From now on every connection is destroyed without an answer, as if the RPC endpoint had gone away. */
  cut(): void
  /** Forwards requests again. */
  restore(): void
  /** Whether the proxy is currently cut. */
  readonly isCut: boolean
  /** JSON-RPC requests forwarded so far (a batch counts once). */
  readonly forwarded: number
  close(): Promise<void>
}

/**
 * A tiny JSON-RPC forwarding proxy on 127.0.0.1: each POST body goes to `target` with fetch and its
 * answer comes back unchanged. `cut()` makes the endpoint unreachable without giving up the port:
 * open sockets are destroyed, new connections are dropped at once, and requests already in flight
 * get no answer. The port stays the same, so the seller's configured URL keeps pointing here.
 */
export async function startRpcProxy(target: string): Promise<RpcProxy> {
  const sockets = new Set<Socket>()
  let isCut = false
  let forwarded = 0

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (isCut) {
      req.socket.destroy()
      return
    }
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    let status: number
    let contentType: string
    let body: string
    try {
      const answer = await fetch(target, {
        method: req.method ?? 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      })
      status = answer.status
      contentType = answer.headers.get('content-type') ?? 'application/json'
      body = await answer.text()
    } catch {
      // The upstream itself is gone: look unreachable too.
      req.socket.destroy()
      return
    }
    // Cut while the upstream was answering: the answer is lost on the way back.
    if (isCut) {
      req.socket.destroy()
      return
    }
    forwarded++
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy())
  })
  server.on('connection', (socket) => {
    if (isCut) {
      socket.destroy()
      return
    }
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })

  const listening = await listenOnLoopback(server)

  return {
    url: listening.url,
    cut() {
      isCut = true
      for (const socket of sockets) socket.destroy()
    },
    restore() {
      isCut = false
    },
    get isCut() {
      return isCut
    },
    get forwarded() {
      return forwarded
    },
    close: () => {
      for (const socket of sockets) socket.destroy()
      return listening.close()
    },
  }
}
