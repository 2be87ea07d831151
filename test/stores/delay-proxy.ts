/**
 * A TCP proxy that passes requests through at once and holds the server's answers back by
 * `delayMs`: a store whose commands land on the server but whose replies come late, as over a
 * congested link. Bytes keep their order whatever the delay is changed to.
 */
import { createServer, connect, type Socket } from 'node:net'

export interface DelayProxy {
  port: number
  /** How long each chunk of the server's answers is held from now on. */
  delayMs: number
  close(): Promise<void>
}

export async function startDelayProxy(upstreamPort: number): Promise<DelayProxy> {
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const proxy: DelayProxy = { port: 0, delayMs: 0, close }
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort })
    sockets.add(client).add(upstream)
    let lastRelease = 0
    client.on('data', (chunk) => upstream.write(chunk))
    upstream.on('data', (chunk) => {
      // Never before an earlier chunk: a shortened delay must not reorder replies.
      const releaseAt = Math.max(Date.now() + proxy.delayMs, lastRelease)
      lastRelease = releaseAt
      const timer = setTimeout(() => {
        timers.delete(timer)
        if (!client.destroyed) client.write(chunk)
      }, releaseAt - Date.now())
      timers.add(timer)
    })
    const end = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.port = (server.address() as { port: number }).port

  async function close(): Promise<void> {
    for (const timer of timers) clearTimeout(timer)
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return proxy
}
