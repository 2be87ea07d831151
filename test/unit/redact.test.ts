import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { redactUrl, redactUrls } from '../../src/errors/redact.js'

describe('redacting URLs for logs', () => {
  it('keeps scheme, host and port and drops userinfo, path and query', () => {
    expect(redactUrl('https://user:pw@rpc.example.com:8545/v2/SECRETKEY?key=abc')).toBe('https://rpc.example.com:8545/…')
    expect(redactUrls('HTTP request failed. URL: https://base.g.alchemy.com/v2/SECRETKEY Status: 500')).toBe(
      'HTTP request failed. URL: https://base.g.alchemy.com/… Status: 500',
    )
    expect(redactUrl('not a url')).toBe('<invalid url>')
  })

  it('never lets a path or query secret through, whatever surrounds it', () => {
    fc.assert(
      fc.property(fc.string(), fc.stringMatching(/^[A-Za-z0-9]{12,40}$/), fc.string(), (before, secret, after) => {
        const text = `${before} https://rpc.example/v2/${secret}?q=${secret} ${after}`
        const redacted = redactUrls(text)
        expect(redacted).not.toContain(`/v2/${secret}`)
        expect(redacted).not.toContain(`q=${secret}`)
      }),
    )
  })
})
