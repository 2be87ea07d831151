import type { Address, Hex } from 'viem'
import { ConfigurationError } from '../../../errors/tollgate-error.js'
import type { AuthorizationOutcome } from '../../../facilitator/settlement-check.js'
import { guardedLogger, silentLogger, type Logger } from '../../../logger.js'
import type { EvmNetwork } from '../network/evm-network.js'
import type { Eip3009Authorization, EvmChain, EvmSettler, GasStatus, TransferOutcome, TypedDataCheck } from './evm-chain.js'

export interface SettlerPoolOptions {
  /**
   * A member with a settlement in flight longer than this is stuck (its nonce sequence is blocked
   * behind a transaction the chain does not mine): it takes no new payment until that one ends.
   * Default 30 s.
   */
  stuckAfterMs?: number
  logger?: Logger
}

/** A settler made of several accounts, each with its own nonce sequence and gas. */
export interface SettlerPool extends EvmSettler {
  readonly members: readonly EvmSettler[]
  gasStatus(): Promise<GasStatus[]>
}

const HASH_MEMORY = 10_000

/**
 * Several settler accounts (e.g. `localSettler`s with different keys) behind one settler: payments
 * are spread over the members round-robin, so their transactions go out on independent nonce
 * sequences. A member whose gas account is dry, or whose oldest settlement in flight is older than
 * `stuckAfterMs`, is out of rotation until that changes; `gasStatus()` says which (`rotation`).
 * Verification reads go to the first member in rotation. Contract calls (Permit2 proxies) stay on
 * the first member: their witness names one settling address.
 */
export function settlerPool(members: readonly EvmSettler[], options: SettlerPoolOptions = {}): SettlerPool {
  const problems: string[] = []
  if (!Array.isArray(members) || members.length === 0) problems.push('settlerPool needs at least one settler, e.g. [localSettler({ privateKey: k1, rpcUrl }), localSettler({ privateKey: k2, rpcUrl })]')
  else if (!members.every((m) => m && typeof m.connect === 'function')) problems.push('settlerPool: every member must be a settler such as localSettler({ privateKey, rpcUrl })')
  else if (new Set(members.map((m) => m.address.toLowerCase())).size !== members.length) problems.push('settlerPool: two members share one account; each needs its own key')
  const stuckAfterMs = options.stuckAfterMs ?? 30_000
  if (!Number.isSafeInteger(stuckAfterMs) || stuckAfterMs < 1) problems.push('settlerPool: stuckAfterMs must be a positive integer number of milliseconds')
  if (problems.length > 0) throw new ConfigurationError(problems)
  const logger = guardedLogger(options.logger ?? silentLogger)
  const chains = new Map<string, PoolChain>()
  return {
    address: members[0]!.address,
    members,
    connect(network: EvmNetwork): EvmChain {
      let chain = chains.get(network.caip2)
      if (!chain) {
        chain = new PoolChain(network, members.map((m) => ({ settler: m, chain: m.connect(network), inFlight: new Map(), dry: false })), stuckAfterMs, logger)
        chains.set(network.caip2, chain)
      }
      return chain
    },
    async gasStatus() {
      const all = await Promise.all(members.map((m) => m.gasStatus?.() ?? Promise.resolve([])))
      return all.flatMap((statuses, i) =>
        statuses.map((status): GasStatus => {
          const chain = [...chains.values()].find((c) => c.network.name === status.network)
          return chain ? { ...status, rotation: chain.inRotation(i, status.state) ? 'in' : 'out' } : status
        }),
      )
    },
  }
}

interface Member {
  settler: EvmSettler
  chain: EvmChain
  /** Settlements this member is sending or waiting on, by start time. */
  inFlight: Map<number, number>
  /** Last known: its gas account cannot pay one settlement. */
  dry: boolean
  outSince?: number
}

class PoolChain implements EvmChain {
  private next = 0
  private ticket = 0
  /** Which member sent a transaction, so an unknown outcome is resolved by that account's own ledger. */
  private readonly senders = new Map<string, number>()

  constructor(
    readonly network: EvmNetwork,
    private readonly members: Member[],
    private readonly stuckAfterMs: number,
    private readonly logger: Logger,
  ) {
    // Contract calls (Permit2 proxies) stay on the first member: their witness names one settling address.
    const contracts = (members[0]!.chain as { contracts?: unknown }).contracts
    if (contracts !== undefined) Object.defineProperty(this, 'contracts', { value: contracts, enumerable: true })
  }

  private reader(): EvmChain {
    return (this.members.find((m, i) => this.inRotation(i)) ?? this.members[0]!).chain
  }

  readAuthorizationState(asset: Address, from: Address, nonce: Hex) {
    return this.reader().readAuthorizationState(asset, from, nonce)
  }

  isContract(address: Address) {
    return this.reader().isContract(address)
  }

  verifyTypedDataOnChain(check: TypedDataCheck) {
    return this.reader().verifyTypedDataOnChain(check)
  }

  /** Dry only when every member is: one account with gas keeps the pool settling. */
  async settlerIsDry(): Promise<boolean> {
    const dry = await Promise.all(this.members.map((m) => this.refreshDry(m)))
    return dry.every(Boolean)
  }

  /** Whether member `i` takes new payments now. */
  inRotation(i: number, gasState?: GasStatus['state']): boolean {
    const member = this.members[i]!
    if (gasState === 'dry') member.dry = true
    else if (gasState === 'ok' || gasState === 'low') member.dry = false
    if (member.dry) return false
    const oldest = Math.min(...member.inFlight.values())
    return !(Date.now() - oldest > this.stuckAfterMs)
  }

  async transferWithAuthorization(asset: Address, auth: Eip3009Authorization, signature: Hex): Promise<TransferOutcome> {
    const tried = new Set<number>()
    let last: TransferOutcome | undefined
    while (tried.size < this.members.length) {
      const index = await this.pick(tried)
      tried.add(index)
      const member = this.members[index]!
      const ticket = this.ticket++
      member.inFlight.set(ticket, Date.now())
      let outcome: TransferOutcome
      try {
        outcome = await member.chain.transferWithAuthorization(asset, auth, signature)
      } finally {
        member.inFlight.delete(ticket)
      }
      const transaction = outcome.ok || outcome.stage === 'reverted' || outcome.stage === 'unavailable' ? outcome.transaction : undefined
      if (transaction) this.remember(transaction, index)
      // Refused for gas: nothing left this account (the node proved it), so another member may send it.
      if (!outcome.ok && outcome.stage === 'insufficient-gas') {
        this.out(member, 'its gas account cannot pay a settlement')
        member.dry = true
        last = outcome
        continue
      }
      return outcome
    }
    return last ?? { ok: false, stage: 'insufficient-gas', detail: 'no settler account of the pool can pay gas' }
  }

  checkAuthorization(asset: Address, from: Address, nonce: Hex, transaction?: Hex): Promise<AuthorizationOutcome> {
    const sender = transaction ? this.senders.get(transaction.toLowerCase()) : undefined
    return (this.members[sender ?? 0] ?? this.members[0]!).chain.checkAuthorization(asset, from, nonce, transaction)
  }

  /** Round-robin over members in rotation; when none is, the least busy one that is not known dry. */
  private async pick(tried: Set<number>): Promise<number> {
    const n = this.members.length
    for (let step = 0; step < n; step++) {
      const i = (this.next + step) % n
      if (tried.has(i)) continue
      const member = this.members[i]!
      if (member.dry) await this.refreshDry(member)
      if (this.inRotation(i)) {
        this.next = (i + 1) % n
        if (member.outSince !== undefined) {
          member.outSince = undefined
          this.logger.info?.('tollgate: a settler account of the pool is back in rotation', { network: this.network.name, address: member.settler.address })
        }
        return i
      }
      this.out(member, member.dry ? 'its gas account cannot pay a settlement' : `a settlement has been in flight for more than ${this.stuckAfterMs} ms`)
    }
    const candidates = [...this.members.keys()].filter((i) => !tried.has(i))
    const usable = candidates.filter((i) => !this.members[i]!.dry)
    const pool = usable.length > 0 ? usable : candidates
    return pool.reduce((best, i) => (this.members[i]!.inFlight.size < this.members[best]!.inFlight.size ? i : best))
  }

  private async refreshDry(member: Member): Promise<boolean> {
    try {
      member.dry = (await member.chain.settlerIsDry?.()) ?? false
    } catch {
      // Unreadable: keep what was known.
    }
    return member.dry
  }

  private out(member: Member, why: string): void {
    if (member.outSince !== undefined) return
    member.outSince = Date.now()
    this.logger.warn?.('tollgate: a settler account of the pool is out of rotation', { network: this.network.name, address: member.settler.address, why })
  }

  private remember(transaction: string, index: number): void {
    this.senders.set(transaction.toLowerCase(), index)
    if (this.senders.size > HASH_MEMORY) this.senders.delete(this.senders.keys().next().value as string)
  }
}
