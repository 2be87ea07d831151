import { isAddress, type Address } from '@solana/kit'
import { ConfigurationError } from '../../errors/tollgate-error.js'
import { parseAmount, type Price } from '../../money/parse-amount.js'
import { solanaNetworkOf, SPL_TOKEN_PROGRAM, TOKEN_2022_PROGRAM, USDC_DECIMALS, type SolanaNetwork } from './solana-networks.js'

/** A token (mint) on Solana: its address, its decimals, and the program that owns it. */
export interface SolanaTokenInfo {
  /** The mint address. */
  address: string
  decimals: number
  /** 'token' (SPL Token, the default), 'token-2022', or the program address. */
  tokenProgram?: 'token' | 'token-2022' | string
}

/** One Solana way to pay, as a route gives it (the core resolves payTo before handing it over). */
export interface SolanaExactSpec {
  network: string
  amount: Price
  /** The owner wallet that receives the payment (its associated token account is the destination). */
  payTo: string
  /** Defaults to the cluster's USDC. */
  asset?: SolanaTokenInfo
  /** Binds every payment to this memo: the transaction must carry exactly one Memo instruction with this text. */
  memo?: string
}

/** What a buyer must sign for one Solana `exact` requirement. */
export interface SolanaTerms {
  network: SolanaNetwork
  mint: Address
  decimals: number
  tokenProgram: Address
  amount: bigint
  payTo: Address
  memo?: string
}

const U64_MAX = (1n << 64n) - 1n
const MEMO_MAX_BYTES = 256

/** Resolves and checks a route's Solana terms; every problem is reported at once. */
export function resolveSolanaTerms(spec: SolanaExactSpec): SolanaTerms {
  const where = `network ${JSON.stringify(spec.network)}`
  const problems: string[] = []
  const network = solanaNetworkOf(spec.network)
  if (!network) problems.push(`unknown Solana network ${JSON.stringify(spec.network)}; known: solana, solana-devnet, solana-testnet or their CAIP-2 ids`)
  const asset = spec.asset ?? (network ? { address: network.usdc, decimals: USDC_DECIMALS } : undefined)
  let tokenProgram: string | undefined
  if (spec.asset) {
    const a = spec.asset as Partial<SolanaTokenInfo>
    if (typeof a.address !== 'string' || !isAddress(a.address)) problems.push(`${where}: asset address ${JSON.stringify(a.address)} is not a Solana address (the mint)`)
    if (!Number.isInteger(a.decimals) || (a.decimals as number) < 0 || (a.decimals as number) > 18) problems.push(`${where}: asset decimals must be an integer between 0 and 18 (the mint's decimals)`)
    tokenProgram = programOf(a.tokenProgram)
    if (!tokenProgram) problems.push(`${where}: asset tokenProgram must be 'token', 'token-2022' or one of their addresses`)
  } else tokenProgram = SPL_TOKEN_PROGRAM
  if (typeof spec.payTo !== 'string' || !isAddress(spec.payTo)) problems.push(`${where}: payTo ${JSON.stringify(spec.payTo)} is not a Solana address (give the owner wallet, not its token account)`)
  if (spec.memo !== undefined) problems.push(...memoProblems(spec.memo).map((p) => `${where}: ${p}`))
  let amount: bigint | undefined
  if (asset && problems.length === 0) {
    try {
      amount = parseAmount(spec.amount, asset.decimals)
      if (amount > U64_MAX) problems.push(`${where}: amount ${amount} is more than a Solana token amount can hold`)
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error
      problems.push(...error.problems.map((p) => `${where}: ${p}`))
    }
  }
  if (problems.length > 0 || !network || !asset || amount === undefined) throw new ConfigurationError(problems)
  return {
    network,
    mint: asset.address as Address,
    decimals: asset.decimals,
    tokenProgram: tokenProgram as Address,
    amount,
    payTo: spec.payTo as Address,
    ...(spec.memo !== undefined ? { memo: spec.memo } : {}),
  }
}

/** The same terms for one request's computed amount and/or payee (dynamic prices). */
export function repriceSolanaTerms(terms: SolanaTerms, change: { amount?: unknown; payTo?: unknown; memo?: unknown }): SolanaTerms {
  const problems: string[] = []
  let { amount, payTo } = terms
  const memo = 'memo' in change ? change.memo : terms.memo
  if ('memo' in change) problems.push(...memoProblems(change.memo))
  if ('amount' in change) {
    try {
      amount = parseAmount(change.amount as Price, terms.decimals)
      if (amount > U64_MAX) problems.push(`amount ${amount} is more than a Solana token amount can hold`)
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error
      problems.push(...error.problems)
    }
  }
  if ('payTo' in change) {
    if (typeof change.payTo === 'string' && isAddress(change.payTo)) payTo = change.payTo
    else problems.push(`payTo ${typeof change.payTo === 'string' ? JSON.stringify(change.payTo.slice(0, 60)) : typeof change.payTo} is not a Solana address`)
  }
  if (problems.length > 0) throw new ConfigurationError(problems)
  return { ...terms, amount, payTo, ...(typeof memo === 'string' ? { memo } : {}) }
}

/** A memo the official client can carry: a string of 1 to 256 UTF-8 bytes. */
export function memoProblems(memo: unknown): string[] {
  if (typeof memo !== 'string' || memo === '') return [`memo must be a non-empty string, not ${typeof memo}`]
  return new TextEncoder().encode(memo).length > MEMO_MAX_BYTES ? [`memo must be at most ${MEMO_MAX_BYTES} bytes of UTF-8`] : []
}

function programOf(program: unknown): string | undefined {
  if (program === undefined || program === 'token' || program === SPL_TOKEN_PROGRAM) return SPL_TOKEN_PROGRAM
  if (program === 'token-2022' || program === TOKEN_2022_PROGRAM) return TOKEN_2022_PROGRAM
  return undefined
}

/** 'exact:solana:<genesis>:<mint>', unique per cluster and token like the EVM ids. */
export function solanaTermsId(terms: SolanaTerms): string {
  return `exact:${terms.network.caip2}:${terms.mint}`
}
