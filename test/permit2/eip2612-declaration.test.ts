import { declareEip2612GasSponsoringExtension } from '@x402/extensions'
import { describe, expect, it } from 'vitest'
import { eip2612Declaration } from '../../src/chains/evm/permit2/permit2-requirement.js'

describe('eip2612GasSponsoring declaration', () => {
  it('is exactly what the official @x402/extensions declares (the client keys on it)', () => {
    expect(eip2612Declaration).toEqual(declareEip2612GasSponsoringExtension())
  })
})
