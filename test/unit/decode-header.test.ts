import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodePaymentHeader, encodeJsonHeader, MAX_HEADER_BYTES } from '../../src/index.js'

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64')

describe('decodePaymentHeader', () => {
  it('round-trips JSON encoded by encodeJsonHeader, including non-ASCII text', () => {
    const value = { x402Version: 2, note: 'café ☕', list: [1, 2, { a: null }] }
    expect(decodePaymentHeader(encodeJsonHeader(value))).toEqual({ ok: true, value })
  })

  it.each([
    ['not base64', '%%%not-base64%%%', 'not_base64'],
    ['base64url alphabet', b64('{"a":"??>>"}').replace(/\+/g, '-').replace(/\//g, '_'), 'not_base64'],
    ['unpadded', b64('{"a":1}').replace(/=+$/, ''), 'not_base64'],
    ['empty', '', 'not_base64'],
    ['base64 of non-JSON', b64('hello world'), 'not_json'],
    ['base64 of invalid UTF-8', Buffer.from([0xff, 0xfe, 0x7b]).toString('base64'), 'not_json'],
    ['deeply nested JSON', b64('['.repeat(500) + ']'.repeat(500)), 'too_deep'],
    ['__proto__ key', b64('{"x402Version":1,"__proto__":{"polluted":true}}'), 'forbidden_key'],
    ['nested constructor key', b64('{"payload":{"constructor":{"prototype":{}}}}'), 'forbidden_key'],
    ['over 16 KiB', 'A'.repeat(MAX_HEADER_BYTES + 4), 'too_large'],
  ])('refuses %s', (_name, header, failure) => {
    const result = decodePaymentHeader(header)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.failure).toBe(failure)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('property: never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), fc.json().map(b64)), (header) => {
        const result = decodePaymentHeader(header)
        expect(typeof result.ok).toBe('boolean')
      }),
    )
  })

  it('property: any JSON value within the depth limit survives encode → decode', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const result = decodePaymentHeader(encodeJsonHeader(value))
        fc.pre(result.ok || result.failure !== 'too_large')
        if (result.ok) expect(result.value).toEqual(JSON.parse(JSON.stringify(value)))
        else expect(result.failure).toBe('forbidden_key')
      }),
    )
  })
})
