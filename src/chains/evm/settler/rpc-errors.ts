import { BaseError, HttpRequestError, RpcRequestError, TimeoutError } from 'viem'
import { errorDetail } from '../error-detail.js'

export { errorDetail }

/**
 * True when the endpoint could not be reached or did not answer in time, as opposed to a node
 * that answered with an error (a revert, a rejected transaction). Only the latter is a verdict.
 */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof BaseError) {
    return error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError) !== null
  }
  return error instanceof TypeError // fetch() rejects with a TypeError when the connection fails
}

/** What a node's answer to `eth_sendRawTransaction` says about the one transaction we sent. */
export type SendAnswer =
  | { kind: 'accepted' }
  /** The node already holds this very transaction (same hash): it is in. */
  | { kind: 'known'; detail: string }
  /** No answer (connection lost, timeout, HTTP failure): it may or may not have reached the node. */
  | { kind: 'lost'; detail: string }
  /**
   * Another transaction holds or held our nonce ("nonce too low", "replacement transaction
   * underpriced"). That other one may be an earlier copy of ours an intermediary delivered.
   */
  | { kind: 'conflict'; detail: string }
  /** The node refused the transaction itself; `gas` when the settler cannot pay for it. */
  | { kind: 'refused'; gas: boolean; detail: string }
  /** An answer we cannot read: treated as possibly sent. */
  | { kind: 'unrecognized'; detail: string }

const KNOWN = /already known|already imported|known transaction|already exists|already in (the )?mempool/i
const CONFLICT = /nonce too low|replacement transaction underpriced|could not replace|nonce (has )?already (been )?used|already used nonce/i
const NO_GAS = /insufficient funds|gas required exceeds allowance|sender doesn't have enough funds/i
const REFUSED =
  /intrinsic gas too low|exceeds block gas limit|gas limit reached|less than (the )?block base fee|fee cap less than|transaction underpriced|priority fee .*higher than max fee|tip higher than fee cap|invalid sender|invalid chain ?id|chain ?id mismatch|type not supported|exceeds the configured cap|nonce too high|oversized data|txpool is full|invalid signature/i

/**
 * Reads a failed send. Only an answer that is a JSON-RPC error from the node is a verdict; the
 * order matters ("replacement transaction underpriced" is a conflict, not an underpriced refusal).
 */
export function classifySendError(error: unknown): SendAnswer {
  const answered = error instanceof BaseError ? error.walk((e) => e instanceof RpcRequestError) : null
  const detail = errorDetail(error)
  if (!answered) return { kind: 'lost', detail }
  if (KNOWN.test(detail)) return { kind: 'known', detail }
  if (CONFLICT.test(detail)) return { kind: 'conflict', detail }
  if (NO_GAS.test(detail)) return { kind: 'refused', gas: true, detail }
  if (REFUSED.test(detail)) return { kind: 'refused', gas: false, detail }
  return { kind: 'unrecognized', detail }
}

/** Whether an error of a read or an estimate says the settler cannot pay gas. */
export function isNoGas(error: unknown): boolean {
  return NO_GAS.test(errorDetail(error))
}
