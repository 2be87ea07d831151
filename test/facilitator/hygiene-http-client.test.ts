/**
 * The facilitator client's HTTP hygiene, against real node:http peers on loopback (no chain): an
 * answer is read only up to its cap, the seller's API-key headers never follow a redirect to
 * another origin, route URLs keep the base URL's query, and no failure detail carries the base
 * URL's credentials, path, query or the request's header values.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { httpFacilitator, type FacilitatorCall, type FacilitatorRequest } from '../../src/index.js'
import { freePort } from '../support/anvil.js'
import { startRawServer, streamHuge, type RawServer } from './support/raw-server.js'

const requirement = { scheme: 'exact', network: 'eip155:84532', asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', amount: '10000', payTo: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', maxTimeoutSeconds: 300, extra: { name: 'USDC', version: '2' } }
const request: FacilitatorRequest = {
  x402Version: 2,
  paymentPayload: { x402Version: 2, accepted: requirement, payload: { signature: '0x00', authorization: {} } },
  paymentRequirements: requirement,
}
const verdict = JSON.stringify({ isValid: false, invalidReason: 'invalid_exact_evm_signature' })
const settled = JSON.stringify({ success: true, transaction: '0x01', network: 'eip155:84532' })

const servers: RawServer[] = []
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close()
})
async function raw(answer: Parameters<typeof startRawServer>[0]): Promise<RawServer> {
  const server = await startRawServer(answer)
  servers.push(server)
  return server
}

describe('an answer is read up to MAX_ANSWER_BYTES (256 KiB) and no further', () => {
  // Loopback socket buffers let a few MiB through before the sender notices the close (3.7 MiB
  // measured on Linux); 16 MiB leaves room for larger buffers and is a quarter of what is offered.
  const OFFERED = 64 * 1024 * 1024
  const BOUND = 16 * 1024 * 1024

  it.each(['verify', 'settle'] as const)('a chunked %s answer with no content-length: the client gives up and the connection closes', async (route) => {
    const progress = { written: 0, closed: false }
    const server = await raw((_req, res) => streamHuge(res, OFFERED, progress))
    const client = httpFacilitator({ url: server.url, retries: 0, timeoutMs: 60_000, settleTimeoutMs: 60_000 })
    const reply = route === 'verify' ? await client.verify(request) : await client.settle(request)
    await expect.poll(() => progress.closed, { timeout: 20_000 }).toBe(true)
    expect(progress.written).toBeLessThan(BOUND)
    const expected = { detail: expect.stringContaining('more than 262144 bytes') }
    // An oversized verify answer is no verdict; an oversized settle answer leaves the outcome unknown.
    expect(reply).toMatchObject(route === 'verify' ? { ok: false, ...expected } : { kind: 'unknown', status: 502, ...expected })
  })

  it('an answer under the cap is read whole', async () => {
    const server = await raw((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ isValid: false, invalidReason: 'x', padding: ' '.repeat(200_000) })))
    expect(await httpFacilitator({ url: server.url }).verify(request)).toEqual({ ok: true, value: { isValid: false, invalidReason: 'x' } })
  })
})

describe('redirects', () => {
  const custom = { 'x-api-key': 'API-KEY-0123456789', authorization: 'Bearer TOKEN-0123456789' }
  const customNames = ['x-api-key', 'authorization', 'x-hook']

  /** B answers like a facilitator; A sends every POST to B with `status`. */
  async function twoOrigins(status: number) {
    const b = await raw((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(req.url.endsWith('/settle') ? settled : verdict))
    const a = await raw((req, res) => res.writeHead(status, { location: `${b.url}${req.url}` }).end())
    return { a, b }
  }

  it.each([307, 308])('a %s to another origin is followed with the body, without any custom header (static or from a hook)', async (status) => {
    const { a, b } = await twoOrigins(status)
    const hooked: string[] = []
    for (const client of [
      httpFacilitator({ url: a.url, headers: custom }),
      httpFacilitator({ url: a.url, headers: (call) => (hooked.push(call.url), { ...custom, 'x-hook': 'HOOK-0123456789' }) }),
    ]) {
      expect(await client.verify(request)).toEqual({ ok: true, value: { isValid: false, invalidReason: 'invalid_exact_evm_signature' } })
      expect(await client.settle(request)).toEqual({ kind: 'answer', response: { success: true, transaction: '0x01', network: 'eip155:84532' } })
    }
    expect(a.seen).toHaveLength(4)
    expect(a.seen.every((req) => req.headers['x-api-key'] === custom['x-api-key'])).toBe(true)
    expect(b.seen.map((req) => [req.method, req.url, JSON.parse(req.body)])).toEqual([
      ['POST', '/verify', request],
      ['POST', '/settle', request],
      ['POST', '/verify', request],
      ['POST', '/settle', request],
    ])
    for (const req of b.seen) for (const name of customNames) expect(req.headers[name]).toBeUndefined()
    // The hook is never asked for headers for another origin.
    expect(hooked).toEqual([`${a.url}/verify`, `${a.url}/settle`])
  })

  it('a redirect on the same origin is followed with the custom headers, the hook asked again for the new URL', async () => {
    const calls: FacilitatorCall[] = []
    const server = await raw((req, res) => {
      if (!req.url.startsWith('/v2/')) return void res.writeHead(307, { location: `/v2${req.url}` }).end()
      res.writeHead(200, { 'content-type': 'application/json' }).end(req.url.endsWith('/settle') ? settled : verdict)
    })
    const client = httpFacilitator({ url: server.url, headers: (call) => (calls.push(call), { 'x-api-key': `for ${new URL(call.url).pathname}` }) })
    expect((await client.settle(request)).kind).toBe('answer')
    expect(server.seen.map((req) => [req.url, req.headers['x-api-key'], req.body.length > 0])).toEqual([
      ['/settle', 'for /settle', true],
      ['/v2/settle', 'for /v2/settle', true],
    ])
    expect(calls.map((call) => [call.path, call.method, call.url])).toEqual([
      ['settle', 'POST', `${server.url}/settle`],
      ['settle', 'POST', `${server.url}/v2/settle`],
    ])
  })

  it('a POST redirected as a GET (301, 302, 303) is not followed: /settle may have been done, so its outcome is unknown', async () => {
    for (const status of [301, 302, 303]) {
      const { a, b } = await twoOrigins(status)
      expect(await httpFacilitator({ url: a.url, headers: custom }).settle(request)).toMatchObject({ kind: 'unknown', status: 502, detail: expect.stringContaining(`answered ${status}`) })
      expect((await httpFacilitator({ url: a.url, retries: 0 }).verify(request)).ok).toBe(false)
      expect(b.seen).toEqual([])
    }
  })

  it('a redirect loop, to a URL with credentials, or to a scheme other than http(s) is not followed: /settle is refused', async () => {
    const loop = await raw((req, res) => res.writeHead(307, { location: req.url }).end())
    expect(await httpFacilitator({ url: loop.url }).settle(request)).toMatchObject({ kind: 'refused', detail: expect.stringContaining('more than 3 redirects') })
    expect(loop.seen).toHaveLength(4)
    const b = await raw((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(settled))
    const withCredentials = await raw((req, res) => res.writeHead(308, { location: `http://someone:secret@127.0.0.1:${b.port}${req.url}` }).end())
    expect(await httpFacilitator({ url: withCredentials.url }).settle(request)).toMatchObject({ kind: 'refused', detail: expect.stringContaining('credentials') })
    const nowhere = await raw((_req, res) => res.writeHead(307, { location: 'ftp://127.0.0.1/settle' }).end())
    expect(await httpFacilitator({ url: nowhere.url }).settle(request)).toMatchObject({ kind: 'refused', detail: expect.stringContaining('without a usable Location') })
    expect(b.seen).toEqual([])
  })

  it('a redirect from https to http is not followed', async () => {
    // STAND-IN: the https hop is a fetch that answers the redirect itself, since a test TLS server's
    // self-signed certificate cannot be trusted by the global fetch; the http target is a real server.
    const b = await raw((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(settled))
    const asked: string[] = []
    const tlsRedirect: typeof fetch = async (input, init) => {
      const url = String(input)
      asked.push(url)
      if (url.startsWith('https:')) return new Response(null, { status: 308, headers: { location: `http://127.0.0.1:${b.port}/settle` } })
      return fetch(input, init)
    }
    expect(await httpFacilitator({ url: 'https://f.example', fetch: tlsRedirect }).settle(request)).toMatchObject({ kind: 'refused', detail: expect.stringContaining('https to http') })
    expect(asked).toEqual(['https://f.example/settle'])
    expect(b.seen).toEqual([])
  })
})

describe('route URLs are built on the base URL with URL, not by concatenation', () => {
  it('the path goes on the pathname, the query is kept, the fragment dropped (property)', async () => {
    const segment = fc.stringMatching(/^[a-z0-9-]{1,8}$/)
    const base = fc.record({
      scheme: fc.constantFrom('http', 'https'),
      port: fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
      segments: fc.array(segment, { maxLength: 3 }),
      slashes: fc.integer({ min: 0, max: 2 }),
      query: fc.option(fc.array(fc.tuple(segment, segment), { minLength: 1, maxLength: 3 }), { nil: undefined }),
      fragment: fc.option(segment, { nil: undefined }),
    })
    await fc.assert(
      fc.asyncProperty(base, fc.constantFrom('verify' as const, 'settle' as const, 'supported' as const), async (b, route) => {
        const origin = `${b.scheme}://f.example${b.port === undefined || b.port === (b.scheme === 'http' ? 80 : 443) ? '' : `:${b.port}`}`
        const path = b.segments.map((s) => `/${s}`).join('')
        const query = b.query ? `?${b.query.map(([k, v]) => `${k}=${v}`).join('&')}` : ''
        const url = `${origin}${path}${'/'.repeat(b.slashes)}${query}${b.fragment === undefined ? '' : `#${b.fragment}`}`
        let asked: string | undefined
        // The hook sees the URL about to be requested and refuses it, so nothing is ever sent.
        const client = httpFacilitator({ url, retries: 0, headers: (call) => ((asked = call.url), Promise.reject(new Error('stop'))) })
        if (route === 'supported') await client.supported()
        else if (route === 'verify') await client.verify(request)
        else await client.settle(request)
        expect(asked).toBe(`${origin}${path}/${route}${query}`)
      }),
    )
  })

  it("'https://f.example/base?x=1' gives https://f.example/base/verify?x=1, and a real server gets that path and query", async () => {
    let asked: string | undefined
    await httpFacilitator({ url: 'https://f.example/base?x=1', headers: (call) => ((asked = call.url), Promise.reject(new Error('stop'))) }).verify(request)
    expect(asked).toBe('https://f.example/base/verify?x=1')
    const server = await raw((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(verdict))
    expect((await httpFacilitator({ url: `${server.url}/base/?x=1#top` }).verify(request)).ok).toBe(true)
    expect(server.seen.map((req) => req.url)).toEqual(['/base/verify?x=1'])
  })
})

describe('failure details carry no secret of the base URL or the headers', () => {
  const secrets = ['alice-user', 'hunter2-pass', 'SECRET-QUERY-KEY', 'HEADER-KEY-0123456789', '/v1/private']
  const urlWith = (port: number) => `http://alice-user:hunter2-pass@127.0.0.1:${port}/v1/private?apiKey=SECRET-QUERY-KEY`
  const expectClean = (text: string, port: number) => {
    for (const secret of secrets) expect(text).not.toContain(secret)
    expect(text).toContain(`127.0.0.1:${port}`)
  }

  it('a facilitator that is down: supported, verify and settle details name it by origin only', async () => {
    const port = await freePort()
    const client = httpFacilitator({ url: urlWith(port), headers: { 'x-api-key': 'HEADER-KEY-0123456789' }, retries: 0 })
    expect(client.url).toBe(`http://127.0.0.1:${port}/…`)
    const supported = await client.supported()
    const verified = await client.verify(request)
    const settledReply = await client.settle(request)
    expect(settledReply.kind).toBe('refused')
    for (const reply of [supported, verified, settledReply]) expectClean((reply as { detail: string }).detail, port)
  })

  it('a facilitator answering garbage that echoes the request: quoted, scrubbed; userinfo went as Basic auth', async () => {
    const echo = (req: { url: string; headers: Record<string, unknown> }) => `<html>bad gateway for http://127.0.0.1${req.url} ${req.url} key=${String(req.headers['x-api-key'])} ${String(req.headers.authorization)}</html>`
    const server = await raw((req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end(echo(req)))
    const port = server.port
    const hook = () => ({ 'x-api-key': 'HEADER-KEY-0123456789' })
    const client = httpFacilitator({ url: urlWith(port), headers: hook, retries: 0 })
    const verified = await client.verify(request)
    const settledReply = await client.settle(request)
    expect(settledReply).toMatchObject({ kind: 'unknown', status: 502 })
    for (const reply of [verified, settledReply]) expectClean((reply as { detail: string }).detail, port)
    expect(server.seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('alice-user:hunter2-pass').toString('base64')}`)
    expect((verified as { detail: string }).detail).not.toContain(Buffer.from('alice-user:hunter2-pass').toString('base64'))
  })

  it("a verdict's invalidMessage and a settle answer's errorMessage are quoted scrubbed and bounded", async () => {
    const server = await raw((req, res) => {
      const text = `rejected ${req.url} for key HEADER-KEY-0123456789 ${'x'.repeat(1_000)}`
      const body = req.url.includes('/settle') ? { success: false, transaction: '', network: 'eip155:84532', errorReason: 'unexpected_error', errorMessage: text } : { isValid: false, invalidReason: 'invalid_payload', invalidMessage: text }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    })
    const client = httpFacilitator({ url: urlWith(server.port), headers: { 'x-api-key': 'HEADER-KEY-0123456789' } })
    const verified = await client.verify(request)
    const settledReply = await client.settle(request)
    const invalidMessage = verified.ok ? (verified.value.invalidMessage ?? '') : ''
    const errorMessage = settledReply.kind === 'answer' ? (settledReply.response.errorMessage ?? '') : ''
    for (const text of [invalidMessage, errorMessage]) {
      expect(text).toMatch(/^rejected /)
      expect(text.length).toBeLessThanOrEqual(200)
      for (const secret of secrets) expect(text).not.toContain(secret)
    }
  })
})
