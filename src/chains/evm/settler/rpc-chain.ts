import type { Address, Hex, PrivateKeyAccount } from 'viem'
import { redactUrl } from '../../../errors/redact.js'
import { ChainUnavailableError } from '../../../errors/tollgate-error.js'
import { rpcSettlementCheck, type AuthorizationOutcome, type SettlementCheck } from '../../../facilitator/settlement-check.js'
import type { Logger } from '../../../logger.js'
import { authorizationTypedData } from '../exact/typed-data.js'
import type { EvmNetwork } from '../network/evm-network.js'
import { checkAuthorization } from './authorization-check.js'
import { ChainRpc } from './chain-rpc.js'
import { eip3009Abi } from './eip3009-abi.js'
import { encodeTransfer } from './encode-transfer.js'
import type { Eip3009Authorization, EvmChain, GasStatus, TransferOutcome, TypedDataCheck } from './evm-chain.js'
import { GasWatch } from './gas-watch.js'
import { errorDetail, isUnreachable } from './rpc-errors.js'
import type { SettlerAccount } from './settler-account.js'
import { contractCalls, type ContractCalls } from './contract-calls.js'

export interface RpcChainOptions {
  rpcUrl: string
  account: PrivateKeyAccount
  requestTimeoutMs: number
  receiptTimeoutMs: number
  pollingIntervalMs: number
  replaceAfterMs: number
  minGasBalance: bigint
  gasCheckIntervalMs: number
  logger: Logger
  /** The account's nonce sequence and pending transactions on this chain, shared by every endpoint it uses. */
  settler: SettlerAccount
}

/** What a transferWithAuthorization takes when nothing has been estimated yet (it uses ~60-90k). */
const DEFAULT_SETTLEMENT_GAS = 100_000n

/** EvmChain over JSON-RPC with viem: local signing, explicit nonces, receipts awaited outside the nonce lock. */
export class RpcChain implements EvmChain {
  private readonly rpc: ChainRpc
  private readonly gas: GasWatch
  private readonly authorization: SettlementCheck
  /** Contract calls from the settler account (the Permit2 proxies), through the same sequencing and truth rules. */
  readonly contracts: ContractCalls
  private chainChecked: Promise<void> | undefined
  private settlementGas = (DEFAULT_SETTLEMENT_GAS * 5n) / 4n

  constructor(
    readonly network: EvmNetwork,
    private readonly options: RpcChainOptions,
  ) {
    this.rpc = new ChainRpc(options.rpcUrl, options.requestTimeoutMs, options.pollingIntervalMs)
    this.authorization = rpcSettlementCheck(network, options.rpcUrl)
    this.gas = new GasWatch({
      network: network.name,
      address: options.account.address,
      minGasBalance: options.minGasBalance,
      intervalMs: options.gasCheckIntervalMs,
      logger: options.logger,
      read: async () => {
        await this.checkChain()
        const [balance, fees] = await Promise.all([this.rpc.client.getBalance({ address: options.account.address }), this.rpc.currentFees()])
        return { balance, cost: this.settlementGas * fees.maxFeePerGas }
      },
    })
    this.gas.start()
    this.contracts = contractCalls({
      client: this.rpc.client,
      account: options.account.address,
      checkChain: () => this.checkChain(),
      estimated: (gas) => {
        this.settlementGas = gas
      },
      noGas: (detail) => this.gas.refused(detail),
      fees: () => this.rpc.currentFees(),
      submit: {
        rpc: this.rpc,
        account: options.account,
        settler: options.settler,
        chainId: network.chainId,
        receiptTimeoutMs: options.receiptTimeoutMs,
        pollingIntervalMs: options.pollingIntervalMs,
        replaceAfterMs: options.replaceAfterMs,
        logger: options.logger,
        onNoGas: (detail) => this.gas.refused(detail),
      },
      checkParts: { rpc: this.rpc, ledger: options.settler.ledger, settler: options.account.address },
    })
  }

  async readAuthorizationState(asset: Address, from: Address, nonce: Hex) {
    await this.checkChain()
    try {
      const [nonceUsed, balance] = await Promise.all([
        this.rpc.client.readContract({ address: asset, abi: eip3009Abi, functionName: 'authorizationState', args: [from, nonce] }),
        this.rpc.client.readContract({ address: asset, abi: eip3009Abi, functionName: 'balanceOf', args: [from] }),
      ])
      return { nonceUsed, balance }
    } catch (error) {
      throw new ChainUnavailableError(`reading ${asset} on ${this.network.name} failed: ${errorDetail(error)}`, { cause: error })
    }
  }

  async isContract(address: Address): Promise<boolean> {
    await this.checkChain()
    try {
      const code = await this.rpc.client.getCode({ address })
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
      return await this.rpc.client.verifyTypedData({ address: check.address, signature: check.signature, blockTag: 'latest', ...typedData })
    } catch (error) {
      if (isUnreachable(error)) throw new ChainUnavailableError(`signature check failed: ${errorDetail(error)}`, { cause: error })
      return false
    }
  }

  transferWithAuthorization(asset: Address, auth: Eip3009Authorization, signature: Hex): Promise<TransferOutcome> {
    return this.contracts.send(asset, encodeTransfer(auth, signature), () => this.checkAuthorization(asset, auth.from, auth.nonce))
  }

  checkAuthorization(asset: Address, from: Address, nonce: Hex, transaction?: Hex): Promise<AuthorizationOutcome> {
    const parts = { rpc: this.rpc, ledger: this.options.settler.ledger, settler: this.options.account.address, authorization: this.authorization }
    return checkAuthorization(parts, asset, from, nonce, transaction)
  }

  settlerIsDry(): Promise<boolean> {
    return this.gas.isDry()
  }

  gasStatus(): Promise<GasStatus> {
    return this.gas.check()
  }

  /** Refuses to work against an endpoint serving another chain than the network's (a wrong rpcUrl). */
  private checkChain(): Promise<void> {
    const endpoint = redactUrl(this.options.rpcUrl)
    this.chainChecked ??= this.rpc.client.getChainId().then(
      (id) => {
        if (id !== this.network.chainId) {
          throw new ChainUnavailableError(`RPC ${endpoint} serves chain ${id}, but network ${this.network.name} is chain ${this.network.chainId}`)
        }
      },
      (error: unknown) => {
        this.chainChecked = undefined
        throw new ChainUnavailableError(`RPC ${endpoint} is unreachable: ${errorDetail(error)}`, { cause: error })
      },
    )
    return this.chainChecked
  }
}
