import { describe, expect, it } from 'vitest'
import { jsonBodyRefusal, parseJsonBody } from '../../src/index.js'

describe('parseJsonBody', () => {
  it('parses a JSON body', () => {
    expect(parseJsonBody('{"package":"ten"}', 'application/json; charset=utf-8')).toEqual({ ok: true, value: { package: 'ten' } })
  })

  it('carries nothing for an empty body or one that does not say it is JSON', () => {
    expect(parseJsonBody('   ', 'application/json')).toEqual({ ok: true, value: undefined })
    expect(parseJsonBody('package=ten', 'application/x-www-form-urlencoded')).toEqual({ ok: true, value: undefined })
    expect(parseJsonBody('{"package":"ten"}', null)).toEqual({ ok: true, value: undefined })
  })

  it('refuses malformed JSON with 400 invalid_payload', () => {
    expect(parseJsonBody('{nope', 'application/json')).toEqual({ ok: false, answer: jsonBodyRefusal(400) })
    expect(jsonBodyRefusal(400)).toMatchObject({ status: 400, body: { error: 'invalid_payload' } })
    expect(jsonBodyRefusal(413)).toMatchObject({ status: 413, body: { error: 'invalid_payload', message: expect.stringMatching(/16 KiB/) } })
  })
})
