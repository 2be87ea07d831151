import { getBase58Encoder, getCompiledTransactionMessageEncoder, type Address, type Transaction } from '@solana/kit'
import { FailedTransactionMetadata, LiteSVM } from 'litesvm'
import { errorName, rpcError, RpcFailure, type RpcTransactionError } from './errors.js'
import { decodeWire, feeOf, lamportBalances, tokenBalances, type DecodedTransaction, type RpcTokenBalance } from './ledger.js'

/** One transaction the cluster took: landed (err null or set) or dropped (never lands, status stays null). */
export interface TxRecord {
  signature: string
  state: 'landed' | 'dropped'
  slot: number
  blockTime: number
  err: RpcTransactionError | null
  fee: number
  logs: string[]
  unitsConsumed: number
  preBalances: number[]
  postBalances: number[]
  preTokenBalances: RpcTokenBalance[]
  postTokenBalances: RpcTokenBalance[]
  decoded: DecodedTransaction
  /** Setup transactions (mint, funding) made by the stand-in itself, not by a client. */
  setup: boolean
}

/** Errors a real RPC node refuses at the door (no signature accepted, nothing recorded). */
const REFUSED_AT_RPC = new Set(['SignatureFailure', 'SanitizeFailure', 'MissingSignatureForFee', 'UnsupportedVersion'])
/** Errors that keep a transaction from ever landing: the node accepts it, the leader drops it, no fee is taken. */
const NEVER_LANDS = new Set(['BlockhashNotFound', 'AccountNotFound', 'InsufficientFundsForFee', 'InvalidAccountForFee'])
const BLOCKHASH_LIFETIME = 150

/**
 * litesvm dressed as a cluster: a resend of a known transaction is dropped (same signature, no
 * error), failed transactions land with `err` and pay their fee, token balances are snapshotted
 * around each transaction, and block heights make an expired blockhash provable (`expireBlockhash`
 * moves the height past the old blockhash's lastValidBlockHeight).
 */
export class Cluster {
  readonly svm = new LiteSVM()
  slot = 1
  blockHeight = 1
  private readonly lastValid = new Map<string, number>()
  readonly records = new Map<string, TxRecord>()
  /** Transactions accepted while confirmations are held: they land on release, in order. */
  private readonly queue: DecodedTransaction[] = []
  held = false

  latestBlockhash(): { blockhash: string; lastValidBlockHeight: number } {
    const blockhash = this.svm.latestBlockhash()
    if (!this.lastValid.has(blockhash)) this.lastValid.set(blockhash, this.blockHeight + BLOCKHASH_LIFETIME)
    return { blockhash, lastValidBlockHeight: this.lastValid.get(blockhash)! }
  }

  isBlockhashValid(blockhash: string): boolean {
    return blockhash === this.svm.latestBlockhash()
  }

  /** Every transaction signed against the old blockhash can no longer land, provably (block height moved past it). */
  expireBlockhash(): void {
    this.latestBlockhash()
    this.svm.expireBlockhash()
    this.blockHeight += BLOCKHASH_LIFETIME + 1
    this.slot += BLOCKHASH_LIFETIME + 1
    this.latestBlockhash()
  }

  simulate(wire: Uint8Array, opts: { sigVerify?: boolean; replaceRecentBlockhash?: boolean }) {
    let decoded = decodeWire(wire)
    let replacementBlockhash: { blockhash: string; lastValidBlockHeight: number } | undefined
    if (opts.replaceRecentBlockhash) {
      replacementBlockhash = this.latestBlockhash()
      const message = { ...decoded.message, lifetimeToken: replacementBlockhash.blockhash }
      const messageBytes = new Uint8Array(getCompiledTransactionMessageEncoder().encode(message as never))
      decoded = { ...decoded, tx: { ...decoded.tx, messageBytes } as unknown as Transaction }
    }
    const result = this.withSigverify(opts.sigVerify === true, () => this.svm.simulateTransaction(decoded.tx))
    const meta = result instanceof FailedTransactionMetadata ? result.meta() : result.meta()
    const err = result instanceof FailedTransactionMetadata ? rpcError(result.err()) : null
    return {
      err,
      logs: meta.logs(),
      accounts: null,
      unitsConsumed: Number(meta.computeUnitsConsumed()),
      returnData: null,
      ...(replacementBlockhash ? { replacementBlockhash } : {}),
    }
  }

  /**
   * sendTransaction as a node does it. With preflight, a failing simulation is a JSON-RPC error
   * and nothing is sent. A bad signature is refused at the door. Otherwise the signature comes back
   * and the transaction lands (with or without err) or, when it never could, is dropped silently.
   */
  send(wire: Uint8Array, opts: { skipPreflight?: boolean; setup?: boolean } = {}): string {
    let decoded: DecodedTransaction
    try {
      decoded = decodeWire(wire)
    } catch {
      throw new RpcFailure(-32602, 'invalid transaction: failed to deserialize VersionedTransaction')
    }
    const signature = decoded.signature
    if (!signature) throw new RpcFailure(-32003, 'Transaction signature verification failure')
    // A cluster drops a duplicate silently: the sender gets the same signature back.
    if (this.records.has(signature) || this.queue.some((q) => q.signature === signature)) return signature
    if (!this.signaturesVerify(decoded)) throw new RpcFailure(-32003, 'Transaction signature verification failure')
    if (!opts.skipPreflight) {
      const sim = this.simulate(wire, { sigVerify: true })
      if (sim.err) {
        throw new RpcFailure(-32002, `Transaction simulation failed: ${JSON.stringify(sim.err)}`, { ...sim, innerInstructions: null })
      }
    }
    if (this.held && !opts.setup) {
      this.queue.push(decoded)
      return signature
    }
    this.execute(decoded, opts.setup === true)
    return signature
  }

  /** Lands every transaction accepted while confirmations were held. */
  release(): void {
    this.held = false
    for (const decoded of this.queue.splice(0)) this.execute(decoded, false)
  }

  private signaturesVerify(decoded: DecodedTransaction): boolean {
    // litesvm checks Ed25519 signatures on send; a simulation with sigverify on reports SignatureFailure the same way.
    const missing = Object.values(decoded.tx.signatures).some((s) => s === null)
    if (missing) return false
    const sim = this.withSigverify(true, () => this.svm.simulateTransaction(decoded.tx))
    return !(sim instanceof FailedTransactionMetadata && errorName(rpcError(sim.err())) === 'SignatureFailure')
  }

  private execute(decoded: DecodedTransaction, setup: boolean): void {
    const accounts = decoded.message.staticAccounts as Address[]
    const preBalances = lamportBalances(this.svm, accounts)
    const preTokenBalances = tokenBalances(this.svm, accounts)
    const result = this.svm.sendTransaction(decoded.tx)
    const failed = result instanceof FailedTransactionMetadata
    const err = failed ? rpcError(result.err()) : null
    if (err && REFUSED_AT_RPC.has(errorName(err))) throw new RpcFailure(-32003, 'Transaction signature verification failure')
    const meta = failed ? result.meta() : result
    const dropped = err !== null && NEVER_LANDS.has(errorName(err))
    if (!dropped) this.slot += 1
    this.records.set(decoded.signature!, {
      signature: decoded.signature!,
      state: dropped ? 'dropped' : 'landed',
      slot: this.slot,
      blockTime: Math.floor(Date.now() / 1000),
      err,
      fee: dropped ? 0 : Number(feeOf(decoded.message)),
      logs: meta.logs(),
      unitsConsumed: Number(meta.computeUnitsConsumed()),
      preBalances,
      postBalances: lamportBalances(this.svm, accounts),
      preTokenBalances,
      postTokenBalances: tokenBalances(this.svm, accounts),
      decoded,
      setup,
    })
  }

  /** A landed transaction's record; null while held, when dropped, or unknown. */
  landed(signature: string): TxRecord | null {
    const record = this.records.get(signature)
    return record && record.state === 'landed' ? record : null
  }

  private withSigverify<T>(on: boolean, run: () => T): T {
    this.svm.withSigverify(on)
    try {
      return run()
    } finally {
      this.svm.withSigverify(true)
    }
  }
}

export const signatureBytes = (signature: string) => getBase58Encoder().encode(signature)
