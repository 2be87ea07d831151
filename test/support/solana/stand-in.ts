import type { Address } from '@solana/kit'
import { startStandInCore, type StandInInfo, type StandInOptions } from './controls.js'
import { keypairFromBase58, type SolanaKeypair } from './keys.js'
import type { FaultKind } from './server.js'
import type { MintInfo } from './setup.js'

export type { FaultKind, MintInfo, SolanaKeypair, StandInOptions }

/** The networks a local chain must pose as: the official @x402/svm throws on any other id. */
export const SOLANA_DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1' as const
export const SOLANA_DEVNET_V1 = 'solana-devnet' as const

export interface HistoryEntry {
  signature: string
  /** `landed` (err null = success, else failed with its fee paid) or `dropped` (never landed, no fee). */
  state: 'landed' | 'dropped'
  err: unknown
  fee: number
  slot: number
  feePayer: string
}

/**
 * A Solana JSON-RPC stand-in over litesvm. The same handle works in-process (startSolanaStandIn) and against a child
 * process (test/support/solana/spawn.ts), so two seller processes can share one chain.
 */
export interface SolanaStandIn {
  url: string
  /** The default 6-decimal test mint (SPL Token unless asked otherwise). */
  mint: Address
  decimals: number
  tokenProgram: Address
  mintInfo: MintInfo
  /** A key holding 10 SOL: the seller's fee payer. */
  feePayer: SolanaKeypair
  network: typeof SOLANA_DEVNET
  v1Network: typeof SOLANA_DEVNET_V1
  newKeypair(): Promise<SolanaKeypair>
  createMint(opts?: { decimals?: number; tokenProgram?: 'spl-token' | 'token-2022' }): Promise<MintInfo>
  /** A fresh wallet whose ATA holds `amount` atomic units (default 10 tokens) and `sol` lamports (default none). */
  fundBuyer(opts?: { amount?: bigint; mint?: Address; sol?: bigint }): Promise<SolanaKeypair>
  /** Mints `amount` more to `owner` (its ATA is created when missing). */
  fund(owner: Address, amount: bigint, mint?: Address): Promise<Address>
  /** A fresh seller wallet with its ATA for the mint, or without when `ata: false`. */
  newSeller(opts?: { ata?: boolean; mint?: Address }): Promise<SolanaKeypair>
  createAta(owner: Address, mint?: Address): Promise<Address>
  ataOf(owner: Address, mint?: Address): Promise<Address>
  airdrop(address: Address, lamports: bigint): Promise<void>
  /** The owner's ATA balance in atomic units; null when the ATA does not exist. */
  tokenBalance(owner: Address, mint?: Address): Promise<bigint | null>
  solBalance(address: Address): Promise<bigint>
  /** Rotates the blockhash and moves the block height past the old one's lastValidBlockHeight. */
  expireBlockhash(): Promise<{ blockhash: string; lastValidBlockHeight: number }>
  /** From now on sent transactions are accepted (signature returned) but not landed: status null. */
  holdConfirmations(): Promise<void>
  /** Lands the held transactions in order; statuses answer again. */
  releaseConfirmations(): Promise<void>
  setConfirmation(level: 'confirmed' | 'finalized'): Promise<void>
  /** Arms a fault on the next `times` calls of `method` (see FaultKind). */
  failNext(method: string, kind?: FaultKind, times?: number): Promise<void>
  clearFaults(): Promise<void>
  /** Down: the RPC port stops listening (new connections refused, open ones cut); up: it listens again, same URL. Controls still answer. */
  setDown(down: boolean): Promise<void>
  /** Client transactions (setup excluded), oldest first. */
  history(): Promise<HistoryEntry[]>
  /** RPC calls received per method. */
  calls(): Promise<Record<string, number>>
  /** Closes the server (in-process) or ends the child process: connections are refused from then on. */
  stop(): Promise<void>
}

export type ControlCall = (method: string, args?: Record<string, unknown>) => Promise<unknown>

/** The typed handle over a control channel (a direct call in-process, HTTP to its control port for a child). */
export function handleOver(info: StandInInfo, call: ControlCall, stop: () => Promise<void>): SolanaStandIn {
  const key = (k: unknown) => {
    const { address, secretKeyBase58 } = k as { address: Address; secretKeyBase58: string }
    return keypairFromBase58(secretKeyBase58, address)
  }
  const str = (v: bigint | undefined) => (v === undefined ? undefined : v.toString())
  return {
    url: info.url,
    mint: info.mint.mint,
    decimals: info.mint.decimals,
    tokenProgram: info.mint.tokenProgram,
    mintInfo: info.mint,
    feePayer: key(info.feePayer),
    network: SOLANA_DEVNET,
    v1Network: SOLANA_DEVNET_V1,
    newKeypair: async () => key(await call('newKeypair')),
    createMint: async (opts = {}) => (await call('createMint', opts)) as MintInfo,
    fundBuyer: async (opts = {}) => key(await call('fundBuyer', { amount: str(opts.amount), mint: opts.mint, sol: str(opts.sol) })),
    fund: async (owner, amount, mint) => (await call('fund', { owner, amount: amount.toString(), mint })) as Address,
    newSeller: async (opts = {}) => key(await call('newSeller', opts)),
    createAta: async (owner, mint) => (await call('createAta', { owner, mint })) as Address,
    ataOf: async (owner, mint) => (await call('ataOf', { owner, mint })) as Address,
    airdrop: async (address, lamports) => void (await call('airdrop', { address, lamports: lamports.toString() })),
    tokenBalance: async (owner, mint) => {
      const v = await call('tokenBalance', { owner, mint })
      return v === null ? null : BigInt(v as string)
    },
    solBalance: async (address) => BigInt((await call('solBalance', { address })) as string),
    expireBlockhash: async () => (await call('expireBlockhash')) as { blockhash: string; lastValidBlockHeight: number },
    holdConfirmations: async () => void (await call('holdConfirmations')),
    releaseConfirmations: async () => void (await call('releaseConfirmations')),
    setConfirmation: async (confirmation) => void (await call('setConfirmation', { confirmation })),
    failNext: async (method, kind = 'drop', times = 1) => void (await call('failNext', { method, kind, times })),
    clearFaults: async () => void (await call('clearFaults')),
    setDown: async (down) => void (await call('setDown', { down })),
    history: async () => (await call('history')) as HistoryEntry[],
    calls: async () => (await call('calls')) as Record<string, number>,
    stop,
  }
}

/** A stand-in in this process, on a free loopback port. */
export async function startSolanaStandIn(options: StandInOptions = {}): Promise<SolanaStandIn> {
  const core = await startStandInCore(options)
  // Through JSON like the HTTP channel, so both channels hand out equal values.
  const call: ControlCall = async (method, args) => JSON.parse(JSON.stringify(await core.controls[method]!([args ?? {}]) ?? null))
  const info = (await call('info')) as StandInInfo
  let stopped = false
  return handleOver(info, call, async () => {
    if (stopped) return
    stopped = true
    await core.server.close()
  })
}

/** A control channel to a stand-in served by another process (its control URL). */
export function controlOver(controlUrl: string): ControlCall {
  let id = 0
  return async (method, args) => {
    const res = await fetch(controlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params: [args ?? {}] }),
    })
    const body = (await res.json()) as { result?: unknown; error?: { message: string } }
    if (body.error) throw new Error(`stand-in control ${method}: ${body.error.message}`)
    return body.result
  }
}
