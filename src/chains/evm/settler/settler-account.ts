import type { Address } from 'viem'
import { NonceSequencer } from './nonce-sequencer.js'
import { PendingLedger } from './pending-ledger.js'

/** The settler account on one chain: its nonce sequence and the transactions it has in flight. */
export interface SettlerAccount {
  sequencer: NonceSequencer
  ledger: PendingLedger
}

/**
 * One per account and chain in the process: settlers built from one key (even through different
 * endpoints) must draw from one nonce sequence and watch one set of pending transactions, or
 * their transactions would replace each other. Several processes sharing one key are not
 * supported: each would take the others' nonces for its own.
 */
const accounts = new Map<string, SettlerAccount>()

export function settlerAccount(caip2: string, address: Address): SettlerAccount {
  const key = `${caip2}|${address.toLowerCase()}`
  let account = accounts.get(key)
  if (!account) {
    const sequencer = new NonceSequencer()
    account = { sequencer, ledger: new PendingLedger(() => sequencer.reset()) }
    accounts.set(key, account)
  }
  return account
}
