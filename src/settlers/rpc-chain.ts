import {
  createPublicClient,
  encodeFunctionData,
  http,
  keccak256,
  parseSignature,
  type Address,
  type Hex,
  type PrivateKeyAccount,
  type PublicClient,
} from 'viem'
import { ChainUnavailableError } from '../errors/tollgate-error.js'
import { authorizationTypedData } from '../methods/evm-exact/typed-data.js'
import type { EvmNetwork } from '../networks/evm-network.js'
import { eip3009Abi } from './eip3009-abi.js'
import type { Eip3009Authorization, EvmChain, TransferOutcome, TypedDataCheck } from './evm-chain.js'
import type { NonceSequencer } from './nonce-sequencer.js'
import { errorDetail, isUnreachable } from './rpc-errors.js'

export interface RpcChainOptions {
  rpcUrl: string
  account: PrivateKeyAccount
  requestTimeoutMs: number
  receiptTimeoutMs: number
  pollingIntervalMs: number
  /** The account's nonce sequence on this chain, shared by every endpoint the account uses. */
  sequencer: NonceSequencer
}

const FEE_CACHE_MS = 2_000

/** EvmChain over JSON-RPC with viem: local signing, explicit nonces, receipts awaited outside the nonce lock. */
export class RpcChain implements EvmChain {
  private readonly client: PublicClient
  private chainChecked: Promise<void> | undefined
  private fees: { at: number; value: Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> } | undefined

  constructor(
    readonly network: EvmNetwork,
    private readonly options: RpcChainOptions,
  ) {
    // Batching folds the verification reads (nonce state + balance) into one HTTP round trip.
    this.client = createPublicClient({
      transport: http(options.rpcUrl, { batch: true, timeout: options.requestTimeoutMs, retryCount: 1 }),
      pollingInterval: options.pollingIntervalMs,
    })
  }

  async readAuthorizationState(asset: Address, from: Address, nonce: Hex) {
    await this.checkChain()
    try {
      const [nonceUsed, balance] = await Promise.all([
        this.client.readContract({ address: asset, abi: eip3009Abi, functionName: 'authorizationState', args: [from, nonce] }),
        this.client.readContract({ address: asset, abi: eip3009Abi, functionName: 'balanceOf', args: [from] }),
      ])
      return { nonceUsed, balance }
    } catch (error) {
      throw new ChainUnavailableError(`reading ${asset} on ${this.network.name} failed: ${errorDetail(error)}`, { cause: error })
    }
  }

  async isContract(address: Address): Promise<boolean> {
    await this.checkChain()
    try {
      const code = await this.client.getCode({ address })
      return code !== undefined && code !== '0x'
    } catch (error) {
      throw new ChainUnavailableError(`reading code of ${address} failed: ${errorDetail(error)}`, { cause: error })
    }
  }

  async verifyTypedDataOnChain(check: TypedDataCheck): Promise<boolean> {
    await this.checkChain()
    const typedData = authorizationTypedData(
      { address: check.asset, name: check.tokenName, version: check.tokenVersion },
      check.chainId,
      check.authorization,
    )
    try {
      return await this.client.verifyTypedData({ address: check.address, signature: check.signature, blockTag: 'latest', ...typedData })
    } catch (error) {
      if (isUnreachable(error)) throw new ChainUnavailableError(`signature check failed: ${errorDetail(error)}`, { cause: error })
      return false
    }
  }

  async transferWithAuthorization(asset: Address, auth: Eip3009Authorization, signature: Hex): Promise<TransferOutcome> {
    const { account } = this.options
    const data = encodeTransfer(auth, signature)
    let gas: bigint
    let fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }
    try {
      await this.checkChain()
      // Estimation runs the call against the latest state: a transfer that would revert stops here, before any gas is spent.
      gas = await this.client.estimateGas({ account: account.address, to: asset, data })
      fees = await this.currentFees()
    } catch (error) {
      if (error instanceof ChainUnavailableError || isUnreachable(error)) {
        return { ok: false, stage: 'unavailable', broadcast: false, detail: errorDetail(error) }
      }
      return { ok: false, stage: 'simulation', reverted: true, detail: errorDetail(error) }
    }

    let transaction: Hex | undefined
    try {
      const pendingNonce = () => this.client.getTransactionCount({ address: account.address, blockTag: 'pending' })
      transaction = await this.options.sequencer.run(pendingNonce, async (nonce) => {
        const raw = await account.signTransaction({
          chainId: this.network.chainId,
          type: 'eip1559',
          to: asset,
          data,
          nonce,
          gas: (gas * 5n) / 4n,
          ...fees,
        })
        transaction = keccak256(raw)
        await this.client.request({ method: 'eth_sendRawTransaction', params: [raw] })
        return transaction
      })
    } catch (error) {
      // An answered error means the node refused the transaction; a lost connection leaves it unknown.
      const unknown = isUnreachable(error)
      return {
        ok: false,
        stage: 'unavailable',
        broadcast: unknown,
        detail: errorDetail(error),
        ...(unknown && transaction ? { transaction } : {}),
      }
    }

    try {
      const receipt = await this.receiptOf(transaction)
      if (receipt.status === 'success') return { ok: true, transaction }
      return { ok: false, stage: 'reverted', detail: `transaction ${transaction} reverted`, transaction }
    } catch (error) {
      this.options.sequencer.reset()
      return { ok: false, stage: 'unavailable', broadcast: true, detail: errorDetail(error), transaction }
    }
  }

  /**
   * Chains that include at once (anvil's automine, fast L2 sequencers) already have the receipt
   * when the send returns: one request, instead of polling block numbers first.
   */
  private async receiptOf(hash: Hex) {
    const immediate = await this.client.getTransactionReceipt({ hash }).catch(() => undefined)
    if (immediate) return immediate
    return this.client.waitForTransactionReceipt({
      hash,
      timeout: this.options.receiptTimeoutMs,
      pollingInterval: this.options.pollingIntervalMs,
    })
  }

  /** Refuses to work against an endpoint serving another chain than the network's (a wrong rpcUrl). */
  private checkChain(): Promise<void> {
    this.chainChecked ??= this.client.getChainId().then(
      (id) => {
        if (id !== this.network.chainId) {
          throw new ChainUnavailableError(
            `RPC ${this.options.rpcUrl} serves chain ${id}, but network ${this.network.name} is chain ${this.network.chainId}`,
          )
        }
      },
      (error: unknown) => {
        this.chainChecked = undefined
        throw new ChainUnavailableError(`RPC ${this.options.rpcUrl} is unreachable: ${errorDetail(error)}`, { cause: error })
      },
    )
    return this.chainChecked
  }

  private currentFees() {
    const now = Date.now()
    if (!this.fees || now - this.fees.at > FEE_CACHE_MS) {
      const value = this.client.estimateFeesPerGas()
      this.fees = { at: now, value }
      value.catch(() => {
        this.fees = undefined
      })
    }
    return this.fees.value
  }
}

/** The (v,r,s) overload for 65-byte EOA signatures, as USDC and the official facilitator use; bytes otherwise. */
function encodeTransfer(auth: Eip3009Authorization, signature: Hex): Hex {
  const base = [auth.from, auth.to, auth.value, auth.validAfter, auth.validBefore, auth.nonce] as const
  if (signature.length === 132) {
    const { r, s, v, yParity } = parseSignature(signature)
    return encodeFunctionData({
      abi: eip3009Abi,
      functionName: 'transferWithAuthorization',
      args: [...base, Number(v ?? BigInt(yParity + 27)), r, s],
    })
  }
  return encodeFunctionData({ abi: eip3009Abi, functionName: 'transferWithAuthorization', args: [...base, signature] })
}
