/**
 * Finding the buyer's Solana wallets through the Wallet Standard, as @wallet-standard/app does:
 * the page answers every `wallet-standard:register-wallet` event, announces itself once with
 * `wallet-standard:app-ready` (for wallets injected before it), and takes over the older
 * `navigator.wallets` push protocol. Only wallets that can connect and sign a Solana transaction
 * on some Solana chain are offered.
 */
import type { StandardWallet, Wallet } from './types.js'

type RegisterApi = Readonly<{ register(...wallets: StandardWallet[]): () => void }>
type Callback = (api: RegisterApi) => void

export const CONNECT = 'standard:connect'
export const SIGN_TRANSACTION = 'solana:signTransaction'

const hasMethod = (feature: unknown, name: string) => typeof (feature as Record<string, unknown> | undefined)?.[name] === 'function'

function usable(wallet: StandardWallet): boolean {
  return (
    typeof wallet?.name === 'string' &&
    Array.isArray(wallet.chains) &&
    wallet.chains.some((c) => typeof c === 'string' && c.startsWith('solana:')) &&
    hasMethod(wallet.features?.[CONNECT], 'connect') &&
    hasMethod(wallet.features?.[SIGN_TRANSACTION], 'signTransaction')
  )
}

export function discoverSolanaWallets(found: (wallet: Wallet<StandardWallet>) => void): () => undefined {
  const seen = new Set<StandardWallet>()
  const register = (...wallets: StandardWallet[]) => {
    for (const wallet of wallets) {
      if (seen.has(wallet) || !usable(wallet)) continue
      seen.add(wallet)
      // Only inline images: a wallet's icon must not make the page load anything from elsewhere.
      const icon = typeof wallet.icon === 'string' && /^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/.test(wallet.icon) ? wallet.icon : undefined
      found({ info: { uuid: `solana:${wallet.name}:${seen.size}`, name: wallet.name.slice(0, 40), ...(icon ? { icon } : {}) }, provider: wallet })
    }
    return () => {}
  }
  const api: RegisterApi = Object.freeze({ register })
  const run = (callback: unknown) => {
    try {
      if (typeof callback === 'function') (callback as Callback)(api)
    } catch {
      // A wallet's broken registration must not stop the others.
    }
  }
  window.addEventListener('wallet-standard:register-wallet', (event) => run((event as CustomEvent<unknown>).detail))
  window.dispatchEvent(new CustomEvent('wallet-standard:app-ready', { detail: api }))
  const nav = navigator as Navigator & { wallets?: unknown }
  const pushed = Array.isArray(nav.wallets) ? (nav.wallets as unknown[]) : []
  try {
    Object.defineProperty(navigator, 'wallets', { value: Object.freeze({ push: (...callbacks: unknown[]) => callbacks.forEach(run) }), configurable: true })
  } catch {
    // Already taken over by another app on this page: the events still work.
  }
  pushed.forEach(run)
  return () => undefined
}
