import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { listenOnLoopback } from '../support/http.js'

export interface SwallowProxy {
  url: string
  /** `eth_sendRawTransaction` requests received so far. */
  readonly sends: number
  close(): Promise<void>
}

/**
 * A JSON-RPC proxy whose `eth_sendRawTransaction` calls reach the node but are never answered (the
 * connection stays open, as with an endpoint that hangs after taking the transaction); every other
 * call is forwarded and answered. A fault nothing else can cause on a local chain: a send whose
 * answer is lost while the transaction is mined.
 */
export async function startSwallowProxy(target: string): Promise<SwallowProxy> {
  const sockets = new Set<Socket>()
  let sends = 0
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const answer = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const text = await answer.text()
    if (body.includes('eth_sendRawTransaction')) {
      sends++
      return // delivered, never answered
    }
    res.writeHead(answer.status, { 'content-type': 'application/json' })
    res.end(text)
  }
  const server = createServer((req, res) => void handle(req, res).catch(() => req.socket.destroy()))
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  const listening = await listenOnLoopback(server)
  return {
    url: listening.url,
    get sends() {
      return sends
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await listening.close()
    },
  }
}
