import type { Address } from 'viem'
import type { Logger } from '../../../logger.js'
import type { GasStatus } from './evm-chain.js'
import { errorDetail } from './rpc-errors.js'

export interface GasWatchOptions {
  network: string
  address: Address
  /** Below this (wei) the balance is 'low': a warning, still settling. */
  minGasBalance: bigint
  /** Periodic check interval; 0: only the first check and the checks a dry settler triggers. */
  intervalMs: number
  logger: Logger
  /** The settler's balance and what one settlement costs at most at current fees (both wei). */
  read(): Promise<{ balance: bigint; cost: bigint }>
}

/**
 * Knows whether the settler account can pay for a settlement's gas. 'dry' is only ever a known
 * fact (a read balance below one settlement's cost, or a send the node refused for gas), and it
 * holds until a later read shows funds: while dry, every question re-reads the balance, so a
 * refill is seen by the next payment.
 */
export class GasWatch {
  private state: GasStatus['state'] = 'unknown'
  private balance: bigint | null = null
  private reading: Promise<GasStatus> | undefined
  private first: Promise<GasStatus> | undefined

  constructor(private readonly options: GasWatchOptions) {}

  /** The first check at once, then periodic ones on a timer that never keeps the process alive. */
  start(): void {
    if (this.first) return
    this.first = this.check()
    if (this.options.intervalMs > 0) setInterval(() => void this.check(), this.options.intervalMs).unref()
  }

  /** A fresh read (concurrent callers share one). */
  check(): Promise<GasStatus> {
    this.reading ??= this.read().finally(() => {
      this.reading = undefined
    })
    return this.reading
  }

  async isDry(): Promise<boolean> {
    await this.first
    if (this.state !== 'dry') return false
    return (await this.check()).state === 'dry'
  }

  /** The node refused a settlement because the account cannot pay its gas. */
  refused(detail: string): void {
    const { network, address } = this.options
    this.options.logger.error?.('tollgate: the settler account cannot pay gas; settlements are refused until it is funded', { network, address, detail })
    this.state = 'dry'
  }

  private async read(): Promise<GasStatus> {
    const { network, address, minGasBalance, logger } = this.options
    let balance: bigint
    let cost: bigint
    try {
      ;({ balance, cost } = await this.options.read())
    } catch (error) {
      const detail = errorDetail(error)
      logger.warn?.('tollgate: could not read the settler gas balance', { network, address, detail })
      // A dry account stays known dry until a read shows funds.
      if (this.state !== 'dry') this.state = 'unknown'
      return { network, address, balance: this.balance, state: this.state, detail }
    }
    const state = balance < cost ? 'dry' : balance < minGasBalance ? 'low' : 'ok'
    const fields = { network, address, balance: balance.toString(), minGasBalance: minGasBalance.toString(), settlementCost: cost.toString() }
    if (state !== this.state) {
      if (state === 'dry') logger.error?.('tollgate: the settler account cannot pay gas for one settlement', fields)
      else if (state === 'low') logger.warn?.('tollgate: the settler gas balance is below minGasBalance', fields)
      else if (this.state === 'dry' || this.state === 'low') logger.info?.('tollgate: the settler gas balance is sufficient again', fields)
    }
    this.state = state
    this.balance = balance
    return { network, address, balance, state }
  }
}
