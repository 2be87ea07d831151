/**
 * An injected Wallet Standard Solana wallet for the browser tests, backed by a test keypair: the
 * page side (an init script) registers it the way real wallets do (a `wallet-standard:register-wallet`
 * event plus an `app-ready` listener), and a second, refusing one through the older
 * `navigator.wallets` push; signing happens here in Node with @solana/kit (a partial signature:
 * the fee payer's slot stays empty), through an exposed function.
 */
import {
  createKeyPairFromBytes,
  getBase64EncodedWireTransaction,
  getTransactionDecoder,
  partiallySignTransaction,
  type Transaction,
} from '@solana/kit'
import type { BrowserContext } from 'playwright-core'
import type { SolanaKeypair } from '../../support/solana/keys.js'

export interface SolanaWalletScenario {
  keypair: SolanaKeypair
  rejectSign?: boolean
  /** The Wallet Standard chains the wallet offers (default devnet and mainnet). */
  chains?: string[]
}

export interface SolanaWalletLog {
  connects: number
  /** What the page asked the wallet to sign (unsigned wire transactions, base64) and the chain it named. */
  requests: { transaction: string; chain: string | undefined }[]
  /** What the wallet returned (signed wire transactions, base64). */
  signed: string[]
}

export const SOLANA_WALLET_NAME = 'Test Solana Wallet'
export const REFUSING_WALLET_NAME = 'Refusing Solana Wallet'

export async function installSolanaWallet(context: BrowserContext, scenario: SolanaWalletScenario): Promise<SolanaWalletLog> {
  const log: SolanaWalletLog = { connects: 0, requests: [], signed: [] }
  const keyPair = await createKeyPairFromBytes(scenario.keypair.secretKey)
  const handle = async (method: string, params: unknown[]): Promise<unknown> => {
    if (method === 'connect') {
      log.connects++
      return scenario.keypair.address
    }
    if (method !== 'signTransaction') throw { code: -32601, message: `unsupported method ${method}` }
    const [transaction, chain] = params as [string, string | undefined]
    log.requests.push({ transaction, chain })
    if (scenario.rejectSign) throw { code: 4001, message: 'User rejected the request.' }
    const decoded = getTransactionDecoder().decode(Buffer.from(transaction, 'base64')) as Transaction
    const signed = getBase64EncodedWireTransaction(await partiallySignTransaction([keyPair], decoded))
    log.signed.push(signed)
    return signed
  }
  await context.exposeFunction('__tollgateSolanaWallet', async (method: string, params: unknown[]) => {
    try {
      return { result: await handle(method, params ?? []) }
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown }
      return { error: { code: typeof e.code === 'number' ? e.code : -32603, message: String(e.message ?? error) } }
    }
  })
  await context.addInitScript(solanaWalletScript, { address: scenario.keypair.address, chains: scenario.chains ?? ['solana:devnet', 'solana:mainnet'] })
  return log
}

/** Runs in the page before its own scripts. */
function solanaWalletScript({ address, chains }: { address: string; chains: string[] }): void {
  type Answer = { result?: unknown; error?: { code: number; message: string } }
  const bridge = (window as unknown as { __tollgateSolanaWallet(method: string, params: unknown[]): Promise<Answer> }).__tollgateSolanaWallet
  const call = async (method: string, params: unknown[]) => {
    const answer = await bridge(method, params)
    if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code })
    return answer.result
  }
  const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))
  const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
  const icon = 'data:image/svg+xml;base64,' + btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="15" fill="#9945ff"/></svg>')

  const makeWallet = (name: string, refuse: boolean) => {
    let accounts: object[] = []
    const account = Object.freeze({ address, publicKey: new Uint8Array(32), chains, features: ['solana:signTransaction'] })
    return {
      version: '1.0.0',
      name,
      icon,
      chains,
      get accounts() {
        return accounts
      },
      features: {
        'standard:connect': {
          version: '1.0.0',
          connect: async () => {
            if (refuse) throw Object.assign(new Error('User rejected the request.'), { code: 4001 })
            await call('connect', [])
            accounts = [account]
            return { accounts }
          },
        },
        'standard:events': { version: '1.0.0', on: () => () => {} },
        'solana:signTransaction': {
          version: '1.0.0',
          supportedTransactionVersions: ['legacy', 0],
          signTransaction: async (...inputs: { account: { address: string }; transaction: Uint8Array; chain?: string }[]) =>
            Promise.all(
              inputs.map(async (input) => {
                if (input.account.address !== address) throw new Error('unknown account')
                const signed = (await call('signTransaction', [toBase64(input.transaction), input.chain])) as string
                return { signedTransaction: fromBase64(signed) }
              }),
            ),
        },
      },
    }
  }

  // As @wallet-standard/wallet's registerWallet does: announce now, and again to an app that says it is ready.
  const wallet = makeWallet('Test Solana Wallet', false)
  const callback = ({ register }: { register(wallet: unknown): unknown }) => register(wallet)
  window.dispatchEvent(new CustomEvent('wallet-standard:register-wallet', { detail: callback }))
  window.addEventListener('wallet-standard:app-ready', (event) => callback((event as CustomEvent).detail))
  // The older protocol some wallets still use: a callback pushed onto navigator.wallets.
  const nav = navigator as unknown as { wallets?: unknown[] }
  ;(nav.wallets ||= []).push(({ register }: { register(wallet: unknown): unknown }) => register(makeWallet('Refusing Solana Wallet', true)))
}
