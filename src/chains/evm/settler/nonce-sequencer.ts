/**
 * Hands out the settler account's transaction nonces one at a time. Signing and sending run
 * under this lock (milliseconds); waiting for receipts does not, so many settlements are in flight
 * at once without two of them ever taking the same nonce.
 */
export class NonceSequencer {
  private nextNonce: number | undefined
  private tail: Promise<unknown> = Promise.resolve()

  /**
   * Runs `send` with the next nonce, asking `fetchPendingNonce` (the caller's own endpoint) when no
   * count is held. A failed send forgets the count: the next one asks the chain again.
   */
  run<T>(fetchPendingNonce: () => Promise<number>, send: (nonce: number) => Promise<T>): Promise<T> {
    const result = this.tail.then(async () => {
      this.nextNonce ??= await fetchPendingNonce()
      const nonce = this.nextNonce
      try {
        const value = await send(nonce)
        this.nextNonce = nonce + 1
        return value
      } catch (error) {
        this.nextNonce = undefined
        throw error
      }
    })
    this.tail = result.catch(() => undefined)
    return result
  }

  /** Forget the local count (e.g. after a transaction was dropped), so the next send resyncs. */
  reset(): void {
    this.tail = this.tail.then(() => {
      this.nextNonce = undefined
    })
  }
}
