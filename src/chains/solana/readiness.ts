import type { Address } from '@solana/kit'
import { ChainUnavailableError } from '../../errors/tollgate-error.js'
import type { SolanaChain } from './solana-chain.js'
import { SolanaRpcError } from './solana-rpc.js'
import { associatedTokenAddress } from './token-account.js'

/** What a seller must have on chain before a Solana payment can settle. */
export interface SolanaReadiness {
  ok: boolean
  /** Each missing prerequisite in plain words (addresses, never the RPC URL). */
  problems: string[]
  /** The fee payer's balance in lamports, null when it could not be read. */
  feePayerLamports: string | null
}

/** One token account a route receives into: the client never creates it, so it must exist. */
export interface Destination {
  owner: Address
  mint: Address
  tokenProgram: Address
  decimals: number
}

type AccountInfo = { value: { owner: string; data: [string, string]; lamports: number } | null }

/**
 * Checks that the fee payer holds at least `minLamports` and that, for every route's mint and payTo,
 * the mint exists under its program with the configured decimals and the payTo's associated token
 * account exists. An RPC that cannot answer is a problem too (nothing can settle through it).
 */
export async function checkReadiness(chain: SolanaChain, destinations: readonly Destination[], minLamports: bigint): Promise<SolanaReadiness> {
  const problems: string[] = []
  let feePayerLamports: string | null = null
  try {
    await chain.feePayer.sign(new Uint8Array([0]))
  } catch {
    problems.push('the fee payer secretKey is not a valid Ed25519 key pair (its public half does not match)')
  }
  try {
    const balance = BigInt((await chain.rpc<{ value: number | bigint }>('getBalance', [chain.feePayer.address, { commitment: chain.commitment }])).value)
    feePayerLamports = balance.toString()
    if (balance < minLamports) problems.push(`fee payer ${chain.feePayer.address} holds ${balance} lamports; it needs at least ${minLamports} to pay network fees (send it SOL)`)
    for (const d of uniqueDestinations(destinations)) {
      const mint = await account(chain, d.mint)
      if (!mint) problems.push(`mint ${d.mint} does not exist on this cluster`)
      else if (mint.owner !== d.tokenProgram) problems.push(`mint ${d.mint} belongs to ${mint.owner}, not ${d.tokenProgram}: set asset.tokenProgram`)
      else if (mint.data[44] !== d.decimals) problems.push(`mint ${d.mint} has ${mint.data[44]} decimals, not ${d.decimals}: fix asset.decimals`)
      const ata = await associatedTokenAddress(d.owner, d.mint, d.tokenProgram)
      const found = await account(chain, ata)
      if (!found) problems.push(`payTo ${d.owner} has no token account for mint ${d.mint} (create its associated token account ${ata}; buyers never create it)`)
    }
  } catch (error) {
    if (!(error instanceof ChainUnavailableError || error instanceof SolanaRpcError)) throw error
    problems.push(`the Solana RPC could not answer: ${error.message}`)
  }
  return { ok: problems.length === 0, problems, feePayerLamports }
}

async function account(chain: SolanaChain, address: Address): Promise<{ owner: string; data: Uint8Array } | null> {
  const info = await chain.rpc<AccountInfo>('getAccountInfo', [address, { encoding: 'base64', commitment: chain.commitment }])
  if (!info?.value) return null
  const binary = atob(info.value.data[0])
  const data = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) data[i] = binary.charCodeAt(i)
  return { owner: info.value.owner, data }
}

function uniqueDestinations(list: readonly Destination[]): Destination[] {
  const seen = new Map<string, Destination>()
  for (const d of list) seen.set(`${d.owner}:${d.mint}:${d.tokenProgram}`, d)
  return [...seen.values()]
}
