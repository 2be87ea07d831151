import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnLoopback } from '../../support/http.js'

export interface SendGate {
  /** http://127.0.0.1:<port>: the settler's RPC URL. */
  url: string
  /** From now on `eth_sendRawTransaction` waits here, before reaching the chain, until `release()`. */
  hold(): void
  /** Resolves when a held send has arrived: the settlement transaction is signed and not on chain. */
  arrived(): Promise<void>
  release(): void
  close(): Promise<void>
}

/**
 * A JSON-RPC forwarder in front of anvil that can hold settlement transactions back: for as long
 * as a send is held, the payment is provably not settled (the transaction has not even reached the
 * node), so a test can look at what the buyer has received meanwhile. Reads pass straight through.
 */
export async function startSendGate(target: string): Promise<SendGate> {
  let holding = false
  let opened: Promise<void> = Promise.resolve()
  let open: () => void = () => undefined
  let signalArrival: () => void = () => undefined
  let arrival = new Promise<void>((resolve) => (signalArrival = resolve))

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    if (holding && body.includes('eth_sendRawTransaction')) {
      signalArrival()
      await opened
    }
    const answer = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const text = await answer.text()
    res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }
  const server = await listenOnLoopback(createServer((req, res) => void handle(req, res).catch(() => req.socket.destroy())))
  return {
    url: server.url,
    hold() {
      holding = true
      opened = new Promise<void>((resolve) => (open = resolve))
      arrival = new Promise<void>((resolve) => (signalArrival = resolve))
    },
    arrived: () => arrival,
    release() {
      holding = false
      open()
    },
    close() {
      open()
      return server.close()
    },
  }
}
