import { describe, expect, it } from 'vitest'
import { NonceSequencer } from '../../src/chains/evm/settler/nonce-sequencer.js'

describe('NonceSequencer', () => {
  it('hands concurrent senders consecutive nonces, asking the chain once', async () => {
    const sequencer = new NonceSequencer()
    let asked = 0
    const fetchNonce = async () => {
      asked++
      return 7
    }
    const nonces = await Promise.all(Array.from({ length: 10 }, () => sequencer.run(fetchNonce, async (n) => n)))
    expect(nonces).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
    expect(asked).toBe(1)
  })

  it('after a failed send, asks the chain again instead of guessing', async () => {
    const sequencer = new NonceSequencer()
    let chainNonce = 3
    const fetchNonce = async () => chainNonce
    expect(await sequencer.run(fetchNonce, async (n) => n)).toBe(3)
    await expect(sequencer.run(fetchNonce, async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused')
    chainNonce = 4
    expect(await sequencer.run(fetchNonce, async (n) => n)).toBe(4)
  })

  it('reset() makes the next send resync', async () => {
    const sequencer = new NonceSequencer()
    let chainNonce = 0
    const fetchNonce = async () => chainNonce
    expect(await sequencer.run(fetchNonce, async (n) => n)).toBe(0)
    chainNonce = 5
    sequencer.reset()
    expect(await sequencer.run(fetchNonce, async (n) => n)).toBe(5)
  })
})
