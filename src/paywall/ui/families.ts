/**
 * Wallet families by CAIP-2 namespace. The page pays a requirement only with a family that knows
 * its namespace: EVM ('eip155', EIP-1193 wallets) and Solana ('solana', Wallet Standard wallets).
 * Each family finds its own wallets and builds its own payment; the rest of the widget is shared.
 */
import { evmFamily } from './evm-pay.js'
import { solanaFamily } from './solana-pay.js'
import type { Eip1193Provider, Requirement, TokenDisplay, Wallet } from './types.js'

export interface PayContext<P = Eip1193Provider> {
  wallet: Wallet<P>
  account: string
  requirement: Requirement
  token: TokenDisplay | undefined
  /** The seller's name for the network ('base-sepolia'), or its CAIP-2 id. */
  networkName: string
  resource: { url: string; description?: string; mimeType?: string }
  extensions?: Record<string, unknown>
  /** Progress for the status line. */
  progress(text: string): void
  /** The same requirement as the seller states it now (fresh chain hints), when the page can ask. */
  refresh?(): Promise<Requirement | undefined>
}

export interface WalletFamily<P = Eip1193Provider> {
  namespace: string
  /** What the buyer reads: 'EVM wallet', 'Solana wallet'. */
  label: string
  /** Whether this family can pay this requirement (scheme, transfer method, known token units). */
  canPay(requirement: Requirement, token: TokenDisplay | undefined): boolean
  /** Calls `found` for each wallet as it appears; returns a fallback to offer when none did. */
  discover(found: (wallet: Wallet<P>) => void): () => Wallet<P> | undefined
  /** Asks the wallet for its account (connect). */
  connect(wallet: Wallet<P>): Promise<string>
  /** Gets the wallet onto the right network, checks what it can, signs; returns the PAYMENT-SIGNATURE value. */
  pay(context: PayContext<P>): Promise<string>
  /** A plainer reading of a seller's refusal code, when this family has one. */
  explain?(code: string): string | undefined
}

/** Any family: each keeps its own wallet type, and the widget only hands a wallet back to the family that found it. */
export type AnyFamily = WalletFamily<any>

const families: Record<string, AnyFamily> = { eip155: evmFamily, solana: solanaFamily }

export const allFamilies: AnyFamily[] = Object.values(families)

export function familyFor(requirement: Requirement, token: TokenDisplay | undefined): AnyFamily | undefined {
  const family = families[requirement.network.split(':')[0] ?? '']
  return family?.canPay(requirement, token) ? family : undefined
}
