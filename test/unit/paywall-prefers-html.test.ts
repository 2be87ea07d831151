import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { prefersHtml } from '../../src/paywall/prefers-html.js'

describe('prefersHtml: which requests are a person navigating', () => {
  it('is true for browsers navigating', () => {
    // Chromium/Edge, Firefox, Safari navigation Accept headers.
    expect(prefersHtml('text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7')).toBe(true)
    expect(prefersHtml('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(true)
    expect(prefersHtml('text/html')).toBe(true)
    expect(prefersHtml('TEXT/HTML; charset=utf-8')).toBe(true)
    expect(prefersHtml('text/*, application/json;q=0.5')).toBe(true)
  })

  it('is false for API clients, both official buyers (fetch sends */*) and anything unreadable', () => {
    for (const accept of [null, undefined, '', '*/*', 'application/json', 'application/json, text/plain, */*', 'text/html;q=0.5, application/json', 'text/html, application/json', 'text/html;q=0', 'text/html;q=2', 'text/html;q=abc', `text/html${' '.repeat(3000)}`, 'image/*,*/*;q=0.8']) {
      expect(prefersHtml(accept)).toBe(false)
    }
  })

  it('never throws and is false whenever no range can match HTML better than JSON', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (accept) => {
        const result = prefersHtml(accept)
        expect(typeof result).toBe('boolean')
        if (!/text\//i.test(accept) && !accept.includes('*/*')) expect(result).toBe(false)
      }),
    )
  })

  it('ranks by the most specific range: text/html beats a wildcard of any q', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1000 }), (html, json) => {
        const q = (n: number) => (n === 1000 ? '1' : `0.${String(n).padStart(3, '0')}`)
        expect(prefersHtml(`application/json;q=${q(json)}, text/html;q=${q(html)}, */*;q=1`)).toBe(html > json)
      }),
    )
  })
})
