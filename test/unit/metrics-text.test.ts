/** The test parser of Prometheus text against prom-client's own output: any label value round-trips. */
import fc from 'fast-check'
import { Counter, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { parsePrometheus, series } from '../e2e/metrics-text.js'

/** Label values full of what the format escapes or could misread. */
const value = fc.string({ unit: fc.constantFrom('a', 'Z', '"', '\\', '\n', 'é', ' ', '{', '}', ',', '=', '#') })

describe('parsePrometheus', () => {
  it('reads back every label value and count prom-client wrote, escapes included', async () => {
    await fc.assert(
      fc.asyncProperty(value, value, fc.integer({ min: 1, max: 1_000_000 }), async (a, b, n) => {
        fc.pre(a !== b)
        const registry = new Registry()
        const counter = new Counter({ name: 'x_total', help: 'h', labelNames: ['k'], registers: [registry] })
        counter.inc({ k: a }, n)
        counter.inc({ k: b })
        const found = parsePrometheus(await registry.metrics()).filter((s) => s.name === 'x_total')
        expect(found).toEqual(expect.arrayContaining([{ name: 'x_total', labels: { k: a }, value: n }, { name: 'x_total', labels: { k: b }, value: 1 }]))
        expect(found).toHaveLength(2)
      }),
    )
  })

  it('gives label sets sorted, and refuses a line that is not a sample', () => {
    const samples = parsePrometheus('# HELP a x\na{z="1",b="2"} 3\nb 4.5\n')
    expect(series(samples, 'a')).toEqual({ 'b=2,z=1': 3 })
    expect(series(samples, 'b')).toEqual({ '': 4.5 })
    expect(() => parsePrometheus('a{b=1} 2')).toThrow(/not a Prometheus sample|malformed/)
  })
})
