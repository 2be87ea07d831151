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
  /** `eth_sendRawTransaction` requests received so far (each copy a client sent). */
  readonly sends: number
  /**
   * The next `eth_sendRawTransaction` reaches the node, but its answer is lost: the socket is
   * destroyed instead. Once; with `thenCut` the endpoint is cut right after (nothing answers).
   */
  loseNextSendAnswer(options?: { thenCut?: boolean }): void
  /**
   * The next `eth_sendRawTransaction` is delivered to the node twice, as an intermediary that
   * retried on its own would; the client gets the answer to the second copy. Once.
   */
  duplicateNextSend(): void
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
  let sends = 0
  let loseAnswer: { thenCut: boolean } | undefined
  let duplicate = false

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (isCut) {
      req.socket.destroy()
      return
    }
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const request = Buffer.concat(chunks)
    const isSend = request.includes('eth_sendRawTransaction')
    if (isSend) sends++
    const forward = async () => {
      const answer = await fetch(target, {
        method: req.method ?? 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: request }),
      })
      return { status: answer.status, contentType: answer.headers.get('content-type') ?? 'application/json', body: await answer.text() }
    }
    let answer: { status: number; contentType: string; body: string }
    try {
      if (isSend && duplicate) {
        duplicate = false
        await forward()
      }
      answer = await forward()
    } catch {
      // The upstream itself is gone: look unreachable too.
      req.socket.destroy()
      return
    }
    if (isSend && loseAnswer) {
      // The node took the transaction; its answer never reaches the client.
      const { thenCut } = loseAnswer
      loseAnswer = undefined
      if (thenCut) cut()
      req.socket.destroy()
      return
    }
    const { status, contentType, body } = answer
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

  function cut() {
    isCut = true
    for (const socket of sockets) socket.destroy()
  }

  return {
    url: listening.url,
    cut,
    restore() {
      isCut = false
    },
    get isCut() {
      return isCut
    },
    get forwarded() {
      return forwarded
    },
    get sends() {
      return sends
    },
    loseNextSendAnswer(options = {}) {
      loseAnswer = { thenCut: options.thenCut ?? false }
    },
    duplicateNextSend() {
      duplicate = true
    },
    close: () => {
      for (const socket of sockets) socket.destroy()
      return listening.close()
    },
  }
}
