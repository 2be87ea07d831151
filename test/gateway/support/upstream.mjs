// A small upstream API for the gateway tests, run as its own process (node upstream.mjs): the
// gateway reaches it over real HTTP. Prints "listening on <port>" once bound. What it received and
// when it wrote is kept in a log that tests read directly (GET /_log, not through the gateway).
import { createServer } from 'node:http'

const log = []
const record = (event, extra = {}) => log.push({ event, at: Date.now(), ...extra })

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://upstream')
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  const body = Buffer.concat(chunks)
  if (url.pathname === '/_log') {
    res.writeHead(200, { 'content-type': 'application/json' })
    return res.end(JSON.stringify(log))
  }
  record('request', { method: req.method, url: req.url, headers: req.headers, body: body.toString('utf8') })
  const json = (status, value, headers = {}) => {
    const text = JSON.stringify(value)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
    res.end(text)
  }
  switch (url.pathname.replace(/^\/api/, '')) {
    case '/data':
      // Hop-by-hop and payment headers the gateway must not pass on to the buyer.
      return json(200, { data: 42, path: url.pathname }, { connection: 'keep-alive, x-hop', 'x-hop': 'dropped', 'payment-response': 'forged-by-upstream', 'x-upstream': 'yes' })
    case '/echo':
    case '/free-echo':
      return json(200, { method: req.method, headers: req.headers, body: body.toString('utf8'), query: url.search })
    case '/stream': {
      // Headers and a first chunk at once, then the rest: an answer the gateway must hold until settled.
      const count = Number(url.searchParams.get('chunks') ?? 5)
      res.writeHead(200, { 'content-type': 'text/plain' })
      for (let i = 0; i < count; i++) {
        res.write(`chunk ${i}\n`)
        record('chunk', { index: i })
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      record('stream-end')
      return res.end()
    }
    case '/fail':
      return json(Number(url.searchParams.get('status') ?? 500), { error: 'upstream failure' })
    case '/slow': {
      const ms = Number(url.searchParams.get('ms') ?? 5000)
      const timer = setTimeout(() => json(200, { slow: true }), ms)
      res.once('close', () => clearTimeout(timer))
      return
    }
    case '/big':
    case '/big-refused':
    case '/big-streamed':
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      return res.end(Buffer.alloc(Number(url.searchParams.get('bytes') ?? 1024), 120))
    case '/break':
      // Promises 1000 bytes, sends 100, then its connection goes away.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1000 })
      res.write(Buffer.alloc(100, 98))
      setTimeout(() => res.socket?.destroy(), 50)
      return
    default:
      return json(404, { error: 'no such path' })
  }
})
server.keepAliveTimeout = 1000
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on ${server.address().port}\n`)
})
process.on('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
