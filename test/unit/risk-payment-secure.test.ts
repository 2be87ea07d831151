import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parsePaymentSecure, parseRiskSession, parseTraceparent } from '../../src/risk/payment-secure.js'

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`))
const nonZeroHex = (n: number) => hex(n).filter((s) => !/^0+$/.test(s))
const traceparent = fc.tuple(nonZeroHex(32), nonZeroHex(16), hex(2)).map(([t, p, f]) => ({ value: `00-${t}-${p}-${f}`, t, p, f }))
const key = fc.stringMatching(/^[a-z][a-z0-9_\-*/]{0,20}$/)
const value = fc.stringMatching(/^[!-+\--<>-~]{1,30}$/)
const tracestate = fc
  .uniqueArray(fc.tuple(key, value), { minLength: 1, maxLength: 8, selector: ([k]) => k })
  .map((members) => members.map(([k, v]) => `${k}=${v}`).join(','))

describe('X-PAYMENT-SECURE parser', () => {
  it('reads any well-formed header back into its parts', () => {
    fc.assert(
      fc.property(traceparent, fc.option(tracestate, { nil: undefined }), ({ value: tp, t, p, f }, ts) => {
        const parsed = parsePaymentSecure(`w3c.v1;tp=${tp}${ts === undefined ? '' : `;ts=${ts}`}`)
        expect(parsed).toEqual({ traceparent: tp, version: '00', traceId: t, parentId: p, traceFlags: f, ...(ts === undefined ? {} : { tracestate: ts }) })
      }),
    )
  })

  it('refuses any single-character change that breaks the traceparent', () => {
    fc.assert(
      fc.property(traceparent, fc.nat(54), fc.constantFrom('G', 'A', 'z', '-', '_', ' ', ';'), ({ value: tp }, at, ch) => {
        const dashes = at === 2 || at === 35 || at === 52
        fc.pre(dashes ? ch !== '-' : ch !== tp[at] && !/[0-9a-f]/.test(ch))
        const broken = tp.slice(0, at) + ch + tp.slice(at + 1)
        expect(parseTraceparent(broken)).toBeUndefined()
        expect(parsePaymentSecure(`w3c.v1;tp=${broken}`)).toBeUndefined()
      }),
    )
  })

  it('never throws and never accepts uppercase, truncated or padded traceparents', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 700 }), (s) => {
        const parsed = parsePaymentSecure(s)
        if (parsed) {
          expect(s.startsWith('w3c.v1;tp=')).toBe(true)
          expect(parsed.traceId).toMatch(/^[0-9a-f]{32}$/)
        }
      }),
    )
    fc.assert(
      fc.property(traceparent, ({ value: tp }) => {
        fc.pre(tp !== tp.toUpperCase())
        expect(parsePaymentSecure(`w3c.v1;tp=${tp.toUpperCase()}`)).toBeUndefined()
        expect(parsePaymentSecure(`w3c.v1;tp=${tp.slice(0, -1)}`)).toBeUndefined()
        expect(parsePaymentSecure(`w3c.v1;tp=${tp}0`)).toBeUndefined()
        expect(parsePaymentSecure(`w3c.v1;tp= ${tp}`)).toBeUndefined()
      }),
    )
  })

  it('follows W3C on zero ids, version ff and later versions', () => {
    const t = '4bf92f3577b34da6a3ce929d0e0e4736'
    const p = '00f067aa0ba902b7'
    expect(parseTraceparent(`00-${t}-${p}-01`)?.traceId).toBe(t)
    expect(parseTraceparent(`00-${'0'.repeat(32)}-${p}-01`)).toBeUndefined()
    expect(parseTraceparent(`00-${t}-${'0'.repeat(16)}-01`)).toBeUndefined()
    expect(parseTraceparent(`ff-${t}-${p}-01`)).toBeUndefined()
    expect(parseTraceparent(`01-${t}-${p}-01-extra`)?.version).toBe('01')
    expect(parseTraceparent(`01-${t}-${p}-01extra`)).toBeUndefined()
    expect(parsePaymentSecure(`w3c.v2;tp=00-${t}-${p}-01`)).toBeUndefined()
    expect(parsePaymentSecure(`w3c.v1;tp=00-${t}-${p}-01;ts=`)?.tracestate).toBeUndefined()
    expect(parsePaymentSecure(`w3c.v1;tp=00-${t}-${p}-01;xs=a=b`)).toBeUndefined()
  })

  it('bounds the tracestate: size, member count, duplicate keys, bad keys and values', () => {
    const tp = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`
    const ok = (ts: string) => parsePaymentSecure(`w3c.v1;tp=${tp};ts=${ts}`) !== undefined
    expect(ok('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7')).toBe(true)
    expect(ok('a@b@c=x')).toBe(false)
    expect(ok('1abc=x')).toBe(false)
    expect(ok('1tenant@vendor=x')).toBe(true)
    expect(ok(Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(','))).toBe(true)
    expect(ok(Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(','))).toBe(false)
    expect(ok(`a=${'x'.repeat(256)}`)).toBe(true)
    expect(ok(`a=${'x'.repeat(257)}`)).toBe(false)
    expect(ok(`a=${'x'.repeat(250)},b=${'y'.repeat(250)},c=${'z'.repeat(20)}`)).toBe(false)
    expect(ok('a=1,a=2')).toBe(false)
    expect(ok('A=1')).toBe(false)
    expect(ok('a=x=y')).toBe(false)
    expect(ok('a=x\ty')).toBe(false)
    expect(ok('a=ünicode')).toBe(false)
    expect(ok('=v')).toBe(false)
  })
})

describe('X-RISK-SESSION parser', () => {
  it('takes 1 to 128 token characters and nothing else', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9._~:+/=-]{1,128}$/), (s) => {
        expect(parseRiskSession(s)).toBe(s)
      }),
    )
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        fc.pre(!/^[A-Za-z0-9._~:+/=-]{1,128}$/.test(s))
        expect(parseRiskSession(s)).toBeUndefined()
      }),
    )
    expect(parseRiskSession('x'.repeat(129))).toBeUndefined()
    expect(parseRiskSession('')).toBeUndefined()
  })
})
