import { encodeFunctionData, parseAbi, parseEventLogs, type Address, type Hex } from 'viem'
import type { AuthorizationOutcome } from '../../../facilitator/settlement-check.js'
import type { Logger } from '../../../logger.js'
import type { EvmNetwork } from '../network/evm-network.js'
import type { ContractCalls } from './contract-calls.js'
import { encodeTransfer } from './encode-transfer.js'
import type { Eip3009Authorization, EvmChain, TransferOutcome, TypedDataCheck } from './evm-chain.js'

const aggregate3Abi = parseAbi(['function aggregate3((address target, bool allowFailure, bytes callData)[] calls) payable returns ((bool success, bytes returnData)[] returnData)'])
const usedAbi = parseAbi(['event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)'])

interface Waiting {
  asset: Address
  auth: Eip3009Authorization
  signature: Hex
  resolve(outcome: TransferOutcome): void
}

/** The batching of one network's payments (see batchedSettler); loaded with viem when the network is connected. */
export class BatchChain implements EvmChain {
  private waiting: Waiting[] = []
  private timer: NodeJS.Timeout | undefined
  private hasCode: Promise<boolean> | undefined

  constructor(
    private readonly inner: EvmChain,
    private readonly options: { windowMs: number; maxBatch: number; multicall: Address; logger: Logger },
  ) {
    if (inner.contracts) Object.defineProperty(this, 'contracts', { value: inner.contracts, enumerable: true })
  }

  get network(): EvmNetwork {
    return this.inner.network
  }

  readAuthorizationState(asset: Address, from: Address, nonce: Hex) {
    return this.inner.readAuthorizationState(asset, from, nonce)
  }

  isContract(address: Address) {
    return this.inner.isContract(address)
  }

  verifyTypedDataOnChain(check: TypedDataCheck) {
    return this.inner.verifyTypedDataOnChain(check)
  }

  async settlerIsDry(): Promise<boolean> {
    return (await this.inner.settlerIsDry?.()) ?? false
  }

  transferWithAuthorization(asset: Address, auth: Eip3009Authorization, signature: Hex): Promise<TransferOutcome> {
    return new Promise((resolve) => {
      this.waiting.push({ asset, auth, signature, resolve })
      if (this.waiting.length >= this.options.maxBatch) this.flush()
      else this.timer ??= setTimeout(() => this.flush(), this.options.windowMs)
    })
  }

  /**
   * With a batch transaction of ours, the receipt alone proves nothing about one payment inside it:
   * its AuthorizationUsed event does. A mined batch that did not use it can never use it: 'open'.
   */
  async checkAuthorization(asset: Address, from: Address, nonce: Hex, transaction?: Hex): Promise<AuthorizationOutcome> {
    const contracts = this.inner.contracts
    if (!transaction || !contracts) return this.inner.checkAuthorization(asset, from, nonce, transaction)
    let receipt: Awaited<ReturnType<typeof readReceipt>>
    try {
      receipt = await readReceipt(contracts, transaction)
    } catch (error) {
      return { state: 'unknown', detail: `the receipt of ${transaction} could not be read: ${String(error)}` }
    }
    if (!receipt || receipt.to?.toLowerCase() !== this.options.multicall.toLowerCase()) return this.inner.checkAuthorization(asset, from, nonce, transaction)
    if (receipt.success && receipt.used.has(usedKey(asset, from, nonce))) return { state: 'settled', transaction }
    const state = await this.inner.checkAuthorization(asset, from, nonce)
    return state.state === 'unknown' ? state : state.state === 'settled' ? state : state.state === 'canceled' ? state : { state: 'open' }
  }

  private flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const batch = this.waiting.splice(0, this.options.maxBatch)
    if (this.waiting.length > 0) this.timer = setTimeout(() => this.flush(), this.options.windowMs)
    if (batch.length === 0) return
    void this.send(batch).then(
      (outcomes) => batch.forEach((w, i) => w.resolve(outcomes[i]!)),
      // A bug while sending: whether the batch left is unknown, so every payment in it is unknown.
      (error: unknown) => batch.forEach((w) => w.resolve({ ok: false, stage: 'unavailable', broadcast: true, detail: `batch settlement threw: ${String(error)}` })),
    )
  }

  private async send(batch: Waiting[]): Promise<TransferOutcome[]> {
    const contracts = this.inner.contracts
    // One payment, no contract calls, or no aggregate3 contract on this chain: each goes alone.
    if (batch.length === 1 || !contracts || !(await this.multicallDeployed())) {
      return Promise.all(batch.map((w) => this.inner.transferWithAuthorization(w.asset, w.auth, w.signature)))
    }
    const calls = batch.map((w) => ({ target: w.asset, allowFailure: true, callData: encodeTransfer(w.auth, w.signature) }))
    const data = encodeFunctionData({ abi: aggregate3Abi, functionName: 'aggregate3', args: [calls] })
    const outcome = await contracts.send(this.options.multicall, data, () => this.batchState(batch))
    if (!outcome.ok && (outcome.stage === 'insufficient-gas' || (outcome.stage === 'unavailable' && !outcome.broadcast))) {
      // Nothing left (proven by the send rules): each payment hears the same.
      return batch.map(() => outcome)
    }
    const transaction = outcome.ok ? outcome.transaction : 'transaction' in outcome ? outcome.transaction : undefined
    // Mined: one receipt read tells every payment whose AuthorizationUsed it holds; the others are read one by one.
    const receipt = outcome.ok ? await readReceipt(contracts, outcome.transaction).catch(() => null) : null
    return Promise.all(
      batch.map((w) =>
        receipt?.success && receipt.used.has(usedKey(w.asset, w.auth.from, w.auth.nonce)) ? { ok: true as const, transaction: outcome.ok ? outcome.transaction : transaction! } : this.outcomeOf(w, outcome, transaction),
      ),
    )
  }

  /** One payment's own truth after its batch: read from the chain, never inferred from the batch. */
  private async outcomeOf(w: Waiting, batch: TransferOutcome, transaction: Hex | undefined): Promise<TransferOutcome> {
    if (!batch.ok && batch.stage === 'simulation') {
      // The batch as a whole would revert (it never does with allowFailure unless something is wrong): nothing was sent.
      return this.inner.transferWithAuthorization(w.asset, w.auth, w.signature)
    }
    const state = await this.checkAuthorization(w.asset, w.auth.from, w.auth.nonce, transaction).catch((error: unknown): AuthorizationOutcome => ({ state: 'unknown', detail: String(error) }))
    if (state.state === 'settled') return { ok: true, transaction: state.transaction }
    if (state.state === 'canceled') return { ok: false, stage: 'simulation', reverted: true, detail: 'the authorization was canceled by the payer before it settled' }
    if (state.state === 'open' && transaction && (batch.ok || batch.stage === 'reverted')) {
      // Our batch was mined without using it, and nothing else carries it: say why, from the call alone.
      const alone = await this.inner.contracts!.simulate(w.asset, encodeTransfer(w.auth, w.signature)).catch(() => undefined)
      if (alone && !alone.ok) return { ok: false, stage: 'simulation', reverted: true, detail: `${alone.detail}${alone.revert ? ` revert=${alone.revert}` : ''}` }
      return { ok: false, stage: 'reverted', detail: `its call inside batch transaction ${transaction} failed`, transaction }
    }
    const detail = state.state === 'unknown' ? state.detail : !batch.ok ? batch.detail : 'the batch outcome is not known'
    return { ok: false, stage: 'unavailable', broadcast: true, detail, ...(transaction ? { transaction } : {}) }
  }

  /** For the send rules: 'open' only when no authorization of the batch was used (then it may be sent again). */
  private async batchState(batch: Waiting[]): Promise<AuthorizationOutcome> {
    const states = await Promise.all(batch.map((w) => this.inner.checkAuthorization(w.asset, w.auth.from, w.auth.nonce)))
    if (states.every((s) => s.state === 'open')) return { state: 'open' }
    const unknown = states.find((s) => s.state === 'unknown')
    return { state: 'unknown', detail: unknown?.state === 'unknown' ? unknown.detail : 'some payments of the batch were used or canceled; each is resolved on its own' }
  }

  private multicallDeployed(): Promise<boolean> {
    this.hasCode ??= this.inner.isContract(this.options.multicall).then(
      (deployed) => {
        if (!deployed) this.options.logger.error?.('tollgate: no aggregate3 contract at the multicall address on this chain; settling payments one by one', { network: this.network.name, multicall: this.options.multicall })
        return deployed
      },
      () => {
        this.hasCode = undefined
        return false
      },
    )
    return this.hasCode
  }
}

async function readReceipt(contracts: ContractCalls, hash: Hex) {
  return contracts.read(async (client) => {
    try {
      const receipt = await client.getTransactionReceipt({ hash })
      return { success: receipt.status === 'success', to: receipt.to, used: usedAuthorizations(receipt.logs) }
    } catch (error) {
      if ((error as { name?: string }).name === 'TransactionReceiptNotFoundError') return null
      throw error
    }
  })
}

const usedKey = (asset: Address, from: Address, nonce: Hex) => `${asset}|${from}|${nonce}`.toLowerCase()

/**
 * The authorizations a receipt's AuthorizationUsed events name (token, authorizer, nonce), decoded
 * once per receipt: decoding it again for each payment of a batch cost ~0.5 ms a payment (the
 * event's hash recomputed every time), all on the answer's critical path.
 */
function usedAuthorizations(logs: Parameters<typeof parseEventLogs>[0]['logs']): Set<string> {
  return new Set(parseEventLogs({ abi: usedAbi, logs, eventName: 'AuthorizationUsed' }).map((log) => usedKey(log.address, log.args.authorizer, log.args.nonce)))
}
