import { bazaarResourceServerExtension, declareDiscoveryExtension, extractDiscoveryInfoV1, validateDiscoveryExtension, validateDiscoveryExtensionSpec } from '@x402/extensions/bazaar'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bazaarExtension, v1OutputSchema, type DiscoveryMethod, type DiscoveryOptions } from '../../src/discovery/bazaar.js'

/** What the official server sends: its declaration, enriched with the request's method. */
function official(options: DiscoveryOptions, method: DiscoveryMethod): unknown {
  const { discoverable: _d, method: _m, ...declared } = options
  const declaration = declareDiscoveryExtension(declared as never).bazaar
  const context = { method, adapter: { getPath: () => '/resource' } }
  return bazaarResourceServerExtension.enrichDeclaration!(declaration, context as never)
}

const jsonValue = fc.jsonValue({ maxDepth: 2 })
const fields = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__proto__'), jsonValue, { maxKeys: 3 })

describe('the bazaar extension is the official one', () => {
  const cases: [string, DiscoveryOptions, DiscoveryMethod][] = [
    ['a GET without input', {}, 'GET'],
    ['a GET with query params, schema and output', { input: { city: 'Lisbon' }, inputSchema: { properties: { city: { type: 'string' } }, required: ['city'] }, output: { example: { temp: 21 }, schema: { properties: { temp: { type: 'number' } } } } }, 'GET'],
    ['a POST with a JSON body', { bodyType: 'json', input: { text: 'hi' }, inputSchema: { properties: { text: { type: 'string' } } }, output: { example: { summary: 'h' } } }, 'POST'],
    ['a PUT with form data', { bodyType: 'form-data', input: { file: 'x' } }, 'PUT'],
  ]
  it.each(cases)('%s: equal to declareDiscoveryExtension + enrichDeclaration, and valid by the official validators', (_name, options, method) => {
    const ours = bazaarExtension(options, method)
    expect(ours).toEqual(official(options, method))
    expect(validateDiscoveryExtension(ours as never)).toEqual({ valid: true })
    expect(validateDiscoveryExtensionSpec(ours)).toEqual({ valid: true })
  })

  it('property: for any JSON input and output example, ours equals the official one and validates', () => {
    fc.assert(
      fc.property(fields, fc.option(fields, { nil: undefined }), fc.constantFrom<DiscoveryMethod>('GET', 'HEAD', 'DELETE', 'POST', 'PUT', 'PATCH'), (input, example, method) => {
        const body = ['POST', 'PUT', 'PATCH'].includes(method)
        const options: DiscoveryOptions = { input, ...(body ? { bodyType: 'json' as const } : {}), ...(example && Object.keys(example).length > 0 ? { output: { example } } : {}) }
        const ours = bazaarExtension(options, method)
        expect(ours).toEqual(official(options, method))
        expect(validateDiscoveryExtensionSpec(ours).valid).toBe(true)
      }),
      { numRuns: 150 },
    )
  })

  it('the v1 outputSchema reads back, through the official v1 extractor, as the same input', () => {
    const requirement = (outputSchema: unknown) => ({ scheme: 'exact', network: 'base-sepolia', maxAmountRequired: '1', resource: 'http://x/y', description: '', mimeType: '', payTo: '0x', maxTimeoutSeconds: 60, asset: '0x', outputSchema })
    const get = extractDiscoveryInfoV1(requirement(v1OutputSchema({ input: { city: 'Lisbon' }, output: { example: { temp: 21 } } }, 'GET')) as never)
    expect(get).toEqual({ input: { type: 'http', method: 'GET', queryParams: { city: 'Lisbon' } }, output: { type: 'json', example: { temp: 21 } } })
    const post = extractDiscoveryInfoV1(requirement(v1OutputSchema({ bodyType: 'form-data', input: { file: 'x' } }, 'POST')) as never)
    expect(post).toEqual({ input: { type: 'http', method: 'POST', bodyType: 'form-data', body: { file: 'x' } } })
  })
})
