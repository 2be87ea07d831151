import fc from 'fast-check'
import { HttpRequestError, RpcRequestError, TimeoutError, TransactionRejectedRpcError } from 'viem'
import { describe, expect, it } from 'vitest'
import { bumpFees } from '../../src/chains/evm/settler/pending-ledger.js'
import { classifySendError } from '../../src/chains/evm/settler/rpc-errors.js'

/**
 * How a failed eth_sendRawTransaction is read. Node messages are those of anvil, geth, Nethermind,
 * Erigon and hosted providers; the errors are viem's own classes, built as its transport builds them.
 */

const url = 'https://rpc.example/v2/SECRET'
const answered = (message: string, code = -32000) =>
  new TransactionRejectedRpcError(new RpcRequestError({ body: { method: 'eth_sendRawTransaction' }, error: { code, message }, url }))

describe('classifySendError', () => {
  it.each([
    ['already known', 'known'],
    ['transaction already imported', 'known'],
    ['Known transaction: 0xabc', 'known'],
    ['ALREADY_EXISTS: already known', 'known'],
    ['nonce too low', 'conflict'],
    ['nonce too low: next nonce 5, tx nonce 4', 'conflict'],
    ['replacement transaction underpriced', 'conflict'],
    ['Insufficient funds for gas * price + value', 'refused'],
    ['insufficient funds for gas * price + value: balance 0, tx cost 275000000000000', 'refused'],
    ['intrinsic gas too low', 'refused'],
    ['max fee per gas less than block base fee', 'refused'],
    ['transaction underpriced', 'refused'],
    ['exceeds block gas limit', 'refused'],
    ['something the node made up', 'unrecognized'],
  ])('%j → %s', (message, kind) => {
    expect(classifySendError(answered(message)).kind).toBe(kind)
  })

  it('only an insufficient-funds refusal is a gas refusal', () => {
    expect(classifySendError(answered('insufficient funds for gas * price + value'))).toMatchObject({ kind: 'refused', gas: true })
    expect(classifySendError(answered('intrinsic gas too low'))).toMatchObject({ kind: 'refused', gas: false })
  })

  it('no answer from the node (connection lost, timeout, HTTP failure) is lost, never a verdict', () => {
    expect(classifySendError(new HttpRequestError({ url, details: 'fetch failed' })).kind).toBe('lost')
    expect(classifySendError(new HttpRequestError({ url, status: 502, details: 'Bad Gateway' })).kind).toBe('lost')
    expect(classifySendError(new TimeoutError({ body: {}, url })).kind).toBe('lost')
    expect(classifySendError(new TypeError('fetch failed')).kind).toBe('lost')
  })

  it('details never carry the endpoint URL', () => {
    for (const error of [answered(`nonce too low at ${url}`), new HttpRequestError({ url, details: `connect ECONNREFUSED ${url}` })]) {
      expect(JSON.stringify(classifySendError(error))).not.toContain('SECRET')
    }
  })
})

describe('bumpFees', () => {
  const wei = fc.bigInt({ min: 0n, max: 10n ** 15n })
  it('raises both fields by at least 12.5% and 1 wei, never below the market, maxFee >= priority', () => {
    fc.assert(
      fc.property(wei, wei, wei, wei, (prevMax, prevTip, marketMax, marketTip) => {
        const previous = { maxFeePerGas: prevMax > prevTip ? prevMax : prevTip, maxPriorityFeePerGas: prevTip }
        const next = bumpFees(previous, { maxFeePerGas: marketMax, maxPriorityFeePerGas: marketTip })
        expect(next.maxFeePerGas * 8n).toBeGreaterThanOrEqual(previous.maxFeePerGas * 9n)
        expect(next.maxPriorityFeePerGas * 8n).toBeGreaterThanOrEqual(previous.maxPriorityFeePerGas * 9n)
        expect(next.maxFeePerGas).toBeGreaterThan(previous.maxFeePerGas)
        expect(next.maxPriorityFeePerGas).toBeGreaterThan(previous.maxPriorityFeePerGas)
        expect(next.maxFeePerGas).toBeGreaterThanOrEqual(marketMax)
        expect(next.maxPriorityFeePerGas).toBeGreaterThanOrEqual(marketTip)
        expect(next.maxFeePerGas).toBeGreaterThanOrEqual(next.maxPriorityFeePerGas)
      }),
    )
  })
})
