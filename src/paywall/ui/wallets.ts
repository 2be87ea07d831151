/**
 * Finding the buyer's EVM wallets: EIP-6963 (every injected wallet announces itself, so several can
 * be offered side by side), with a plain `window.ethereum` as the fallback for wallets that do not.
 */
import type { Eip1193Provider, Wallet } from './types.js'

interface AnnounceDetail {
  info?: { uuid?: unknown; name?: unknown; icon?: unknown; rdns?: unknown }
  provider?: Eip1193Provider
}

/**
 * Calls `found` for each wallet as it announces itself (now or later). Returns the fallback wallet
 * (`window.ethereum`) for when none announces.
 */
export function discoverWallets(found: (wallet: Wallet) => void): () => Wallet | undefined {
  const seen = new Set<string>()
  window.addEventListener('eip6963:announceProvider', (event) => {
    const detail = (event as CustomEvent<AnnounceDetail>).detail
    const info = detail?.info
    if (!info || typeof info.uuid !== 'string' || typeof info.name !== 'string' || !detail.provider || typeof detail.provider.request !== 'function') return
    if (seen.has(info.uuid)) return
    seen.add(info.uuid)
    // Only inline images: a wallet's icon must not make the page load anything from elsewhere.
    const icon = typeof info.icon === 'string' && /^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/.test(info.icon) ? info.icon : undefined
    found({ info: { uuid: info.uuid, name: info.name.slice(0, 40), ...(icon ? { icon } : {}), ...(typeof info.rdns === 'string' ? { rdns: info.rdns } : {}) }, provider: detail.provider })
  })
  window.dispatchEvent(new Event('eip6963:requestProvider'))
  return () => {
    const injected = (window as { ethereum?: Eip1193Provider }).ethereum
    return injected && typeof injected.request === 'function' ? { info: { uuid: 'window.ethereum', name: 'Browser wallet' }, provider: injected } : undefined
  }
}
