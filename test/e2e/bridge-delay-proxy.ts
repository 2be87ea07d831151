import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnLoopback } from '../support/http.js'

export interface DelayProxy {
  /** http://127.0.0.1:<port> of the proxy: give it to the seller's settler as its RPC URL. */
  url: string
  /**
   * From now on, JSON-RPC requests wait at the proxy until `open()`. Resolves when the first one
   * arrives, so a test knows the seller is inside a chain read (verifying, say).
   */
  stall(): Promise<void>
  /** Lets every waiting request, and all later ones, through. */
  open(): void
  close(): Promise<void>
}

/**
 * A JSON-RPC forwarder in front of anvil that can hold answers back: a slow RPC endpoint for real,
 * so a test can act (hang up) while the seller waits on the chain.
 */
export async function startDelayProxy(target: string): Promise<DelayProxy> {
  let gate: Promise<void> | undefined
  let openGate: (() => void) | undefined
  let arrived: (() => void) | undefined

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    if (gate) {
      arrived?.()
      arrived = undefined
      await gate
    }
    const answer = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) })
    const body = await answer.text()
    res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }
  const server = await listenOnLoopback(
    createServer((req, res) => {
      handle(req, res).catch(() => req.socket.destroy())
    }),
  )
  return {
    url: server.url,
    stall() {
      gate = new Promise<void>((resolve) => (openGate = resolve))
      return new Promise<void>((resolve) => (arrived = resolve))
    },
    open() {
      openGate?.()
      gate = undefined
    },
    close: () => {
      openGate?.()
      return server.close()
    },
  }
}
