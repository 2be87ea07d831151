import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CAP, PATH, postWithoutEnd, seen, sellers, type Seller } from './body-read.fixture.js'

const all: Seller[] = []
beforeAll(async () => {
  for (const [, start] of sellers) all.push(await start())
}, 60_000)
afterAll(async () => {
  await Promise.all(all.map((seller) => seller.close()))
})

let id = 0
const post = (seller: Seller, body: string, headers: Record<string, string> = {}) => {
  const probeId = `p${++id}`
  return fetch(`${seller.url}${PATH}`, { method: 'POST', body, headers: { 'content-type': 'text/plain', 'x-probe': probeId, ...headers } }).then(async (res) => ({ res, text: await res.text(), probe: seen.get(probeId) }))
}

describe.each(sellers.map(([name], index) => [name, index] as const))('reading the body before the handler: %s', (_name, index) => {
  const seller = () => all[index]!

  it('gives the gate the body (the same bytes twice), and the handler still receives all of it', async () => {
    const body = JSON.stringify({ prompt: 'x'.repeat(300) })
    const { res, text, probe } = await post(seller(), body)
    expect(res.status, seller().name).toBe(200)
    expect(text).toBe(body)
    expect(res.headers.get('x-read-bytes')).toBe(String(Buffer.byteLength(body)))
    expect(probe).toEqual({ first: body, same: true })
  })

  it('reads a body of many chunks to its end under a larger cap, and the handler gets every byte', async () => {
    const body = 'abcdefghij'.repeat(20_000)
    const { res, text, probe } = await post(seller(), body, { 'x-cap': String(400_000) })
    expect(res.status, seller().name).toBe(200)
    expect(text.length).toBe(body.length)
    expect(text).toBe(body)
    expect(probe?.same).toBe(true)
  })

  it('an empty body reads as no bytes, and the handler still runs', async () => {
    const { res, text, probe } = await post(seller(), '')
    expect(res.status, seller().name).toBe(200)
    expect(text).toBe('')
    expect(probe).toEqual({ first: '', same: true })
  })

  it('a GET without a body reads as no bytes', async () => {
    const res = await fetch(`${seller().url}${PATH}`, { headers: { 'x-probe': 'get' } })
    expect(res.status, seller().name).toBe(200)
    expect(await res.text()).toBe('GOT')
  })

  it('a body over the cap reads as null: the gate refuses it', async () => {
    const { res, probe } = await post(seller(), 'y'.repeat(CAP + 1))
    expect(res.status, seller().name).toBe(413)
    expect(probe?.first).toBeNull()
  })

  it('a body exactly at the cap is read whole', async () => {
    const body = 'z'.repeat(CAP)
    const { res, text } = await post(seller(), body)
    expect(res.status, seller().name).toBe(200)
    expect(text).toBe(body)
  })

  it('stops reading at the cap: a seller answers a body that never ends once it is past the cap', async () => {
    if (seller().readsWholeBodyFirst) {
      // Fastify (and a parser mounted before the paywall) has the whole body before the gate runs: its own limit applies.
      expect(seller().name).toMatch(/fastify|parser before/)
      return
    }
    expect(await postWithoutEnd(`${seller().url}${PATH}`, Buffer.alloc(CAP + 200, 'q'), { 'x-probe': 'open' })).toBe(413)
    expect(seen.get('open')?.first).toBeNull()
  })

  it('a declared length over the cap is refused without reading', async () => {
    if (seller().readsWholeBodyFirst) {
      expect(seller().name).toMatch(/fastify|parser before/)
      return
    }
    // Declares far more than it sends: only a seller that trusts the declared length answers at once.
    expect(await postWithoutEnd(`${seller().url}${PATH}`, Buffer.alloc(10, 'd'), { 'x-probe': 'declared', 'content-length': String(CAP * 100), 'transfer-encoding': '' })).toBe(413)
  })
})
