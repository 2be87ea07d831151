/**
 * Paying a Solana `exact` requirement from a Wallet Standard wallet, the way the official v2
 * client does (@x402/svm, exact/client): the transaction of solana-transaction.ts, with the
 * blockhash the seller hints in `extra.recentBlockhash` (the page may only talk to its own origin,
 * so it asks the seller for a fresh one rather than an RPC), partially signed by the wallet (the
 * fee payer's slot stays empty for the seller), sent as `{x402Version: 2, resource, accepted,
 * payload: {transaction}}`. The page cannot read balances: the seller's simulation tells.
 */
import { encodeHeader, randomHex } from './encode.js'
import type { PayContext, WalletFamily } from './families.js'
import { addressBytes, toBase64 } from './solana-codec.js'
import { paymentTransaction, splitWire } from './solana-transaction.js'
import { CONNECT, discoverSolanaWallets, SIGN_TRANSACTION } from './solana-wallets.js'
import type { Requirement, StandardAccount, StandardWallet } from './types.js'
import { errorCode, errorText, PayError, USER_REJECTED } from './wallet-errors.js'

const SPL_TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'
const TOKEN_2022 = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb'
/** CAIP-2 genesis ids x402 uses, and the Wallet Standard's names of the same clusters. */
const CHAINS: Record<string, string> = {
  'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp': 'solana:mainnet',
  'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1': 'solana:devnet',
  'solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z': 'solana:testnet',
}
const MAX_MEMO_BYTES = 256
/** Seconds a new challenge may take to carry a blockhash when the seller had none cached yet. */
const HINT_RETRY_MS = 2_500

const rejectedBy = (error: unknown) => errorCode(error) === USER_REJECTED || /reject|denied|declin|cancel/i.test(errorText(error))

type Connect = { connect(input?: { silent?: boolean }): Promise<{ accounts: readonly StandardAccount[] }> }
type Sign = { signTransaction(...inputs: { account: StandardAccount; transaction: Uint8Array; chain?: string }[]): Promise<readonly { signedTransaction: Uint8Array }[]> }

export const solanaFamily: WalletFamily<StandardWallet> = {
  namespace: 'solana',
  label: 'Solana',
  discover: discoverSolanaWallets,
  canPay(requirement, token) {
    const program = token?.program ?? SPL_TOKEN
    return (
      requirement.scheme === 'exact' &&
      CHAINS[requirement.network] !== undefined &&
      token !== undefined &&
      (program === SPL_TOKEN || program === TOKEN_2022) &&
      /^\d{1,20}$/.test(requirement.amount) &&
      addressBytes(requirement.extra?.feePayer) !== undefined &&
      addressBytes(requirement.payTo) !== undefined &&
      addressBytes(requirement.asset) !== undefined
    )
  },
  async connect(wallet) {
    const { accounts } = await (wallet.provider.features[CONNECT] as Connect).connect()
    const account = accounts.find((a) => a.chains?.some((c) => c.startsWith('solana:')) ?? true) ?? accounts[0]
    if (!account || addressBytes(account.address) === undefined) throw new PayError('no_account', 'The wallet gave no Solana account.')
    return account.address
  },
  async pay(context) {
    const { wallet, token } = context
    const chain = CHAINS[context.requirement.network]!
    if (!wallet.provider.chains.includes(chain)) throw new PayError('wrong_chain', `${wallet.info.name} does not offer ${context.networkName} (${chain}); pick another wallet or way to pay.`)
    const account = wallet.provider.accounts.find((a) => a.address === context.account)
    if (!account) throw new PayError('no_account', `${wallet.info.name} no longer shares the account ${context.account}; connect it again.`)
    context.progress('Asking the seller for a recent blockhash…')
    const requirement = await current(context)
    const blockhash = requirement.extra?.recentBlockhash
    if (addressBytes(blockhash) === undefined) {
      throw new PayError('no_blockhash', 'The seller sent no recent Solana blockhash (its Solana connection may be down), and this page cannot ask the network itself. Try again in a moment, or pay with an x402 client.')
    }
    const sellerMemo = requirement.extra?.memo
    const memo = new TextEncoder().encode(typeof sellerMemo === 'string' && sellerMemo !== '' ? sellerMemo : randomHex(16).slice(2))
    if (memo.length > MAX_MEMO_BYTES) throw new PayError('bad_requirement', 'The seller asks for a memo longer than 256 bytes.')
    const built = await paymentTransaction({
      feePayer: String(requirement.extra?.feePayer),
      buyer: context.account,
      payTo: requirement.payTo,
      mint: requirement.asset,
      tokenProgram: token?.program ?? SPL_TOKEN,
      amount: BigInt(requirement.amount),
      decimals: token!.decimals,
      memo,
      blockhash: blockhash as string,
    })
    context.progress('Confirm the payment in your wallet…')
    let signed: Uint8Array | undefined
    try {
      const [output] = await (wallet.provider.features[SIGN_TRANSACTION] as Sign).signTransaction({ account, transaction: built.wire, chain })
      signed = output?.signedTransaction
    } catch (error) {
      if (rejectedBy(error)) throw new PayError('user_rejected', 'You declined the transaction in your wallet. Nothing was signed.')
      throw new PayError('sign_failed', `The wallet could not sign: ${errorText(error)}`)
    }
    const parts = signed instanceof Uint8Array ? splitWire(signed) : undefined
    const buyerSlot = built.signers.indexOf(context.account)
    if (!parts || buyerSlot < 0 || !parts.signatures[buyerSlot]?.some((b) => b !== 0)) throw new PayError('sign_failed', 'The wallet returned no signed transaction.')
    return encodeHeader({
      x402Version: 2,
      resource: context.resource,
      accepted: requirement,
      payload: { transaction: toBase64(signed!) },
      ...(context.extensions ? { extensions: context.extensions } : {}),
    })
  },
  explain(code) {
    if (code === 'invalid_exact_svm_transaction_simulation_failed') return 'The transfer would fail on Solana: most often your wallet holds too little of this token (or no token account for it) on this network.'
    return undefined
  },
}

/** The requirement with the seller's freshest hints; asked again once when the seller had none cached yet. */
async function current(context: PayContext<StandardWallet>): Promise<Requirement> {
  if (!context.refresh) return context.requirement
  let fresh = await context.refresh()
  if (fresh && addressBytes(fresh.extra?.recentBlockhash) === undefined) {
    await new Promise((resolve) => setTimeout(resolve, HINT_RETRY_MS))
    fresh = (await context.refresh()) ?? fresh
  }
  return fresh ?? context.requirement
}
