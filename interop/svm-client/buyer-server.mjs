// The official Solana x402 client as a small HTTP service, so a suite pays many times without
// loading @x402/svm and @solana/kit once per payment (see buyer.mjs for what one payment does).
//
// usage: node interop/svm-client/buyer-server.mjs
// prints one JSON line {url} once listening on a free 127.0.0.1 port. POST / with
// {url, secret, rpc, asset?, v1?, signOnly?, max?} answers the payment's result, or {error}.
import { createServer } from 'node:http'
import { print } from './args.mjs'
import { pay } from './buyer.mjs'

const server = createServer(async (req, res) => {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  let answer
  try {
    const ask = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    answer = await pay(ask.url, ask.secret, ask)
  } catch (error) {
    answer = { error: error instanceof Error ? error.message : String(error) }
  }
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify(answer))
})
server.listen(0, '127.0.0.1', () => print({ url: `http://127.0.0.1:${server.address().port}` }))
const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
