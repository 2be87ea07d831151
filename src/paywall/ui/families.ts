/**
 * Wallet families by CAIP-2 namespace. The page pays a requirement only with a family that knows
 * its namespace: EVM ('eip155') today. Another family (Solana through the Wallet Standard) plugs in
 * here with its own discovery and `pay`, and the rest of the widget stays as it is.
 */
import { evmFamily } from './evm-pay.js'
import type { Requirement, TokenDisplay, Wallet } from './types.js'

export interface PayContext {
  wallet: Wallet
  account: string
  requirement: Requirement
  token: TokenDisplay | undefined
  /** The seller's name for the network ('base-sepolia'), or its CAIP-2 id. */
  networkName: string
  resource: { url: string; description?: string; mimeType?: string }
  extensions?: Record<string, unknown>
  /** Progress for the status line. */
  progress(text: string): void
}

export interface WalletFamily {
  namespace: string
  /** Whether this family can pay this requirement (scheme and transfer method). */
  canPay(requirement: Requirement): boolean
  /** Asks the wallet for its account (connect). */
  connect(wallet: Wallet): Promise<string>
  /** Gets the wallet onto the right network, checks the balance, signs; returns the PAYMENT-SIGNATURE value. */
  pay(context: PayContext): Promise<string>
}

const families: Record<string, WalletFamily> = { eip155: evmFamily }

export function familyFor(requirement: Requirement): WalletFamily | undefined {
  const family = families[requirement.network.split(':')[0] ?? '']
  return family?.canPay(requirement) ? family : undefined
}
