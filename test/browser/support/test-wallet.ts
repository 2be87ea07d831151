/**
 * An injected EIP-1193 wallet for the browser tests, backed by a viem local account on anvil: it
 * signs for real. The page side (an init script) announces it through EIP-6963 (with a second,
 * refusing wallet, so the page has several to choose from) and, optionally, as window.ethereum;
 * every request goes to `handle` here through an exposed function.
 */
import type { BrowserContext } from 'playwright-core'
import { createWalletClient, custom, type Hex, type PrivateKeyAccount, type PublicClient } from 'viem'

export interface WalletScenario {
  account: PrivateKeyAccount
  /** The chain the wallet starts on (default the anvil chain). */
  chainId?: number
  /** Chains the wallet can switch to without adding them (default: the start chain and anvil's). */
  knownChains?: number[]
  rejectConnect?: boolean
  rejectSign?: boolean
  rejectSwitch?: boolean
  /** Refuse transactions (eth_sendTransaction), e.g. a Permit2 approval. */
  rejectSend?: boolean
  /** How the page finds it: EIP-6963 announcements (default) or window.ethereum only. */
  inject?: 'eip6963' | 'window.ethereum'
}

export interface WalletLog {
  methods: string[]
  typedData: Record<string, unknown>[]
  /** Transactions the page asked the wallet to send. */
  sent: { to: string; data: string }[]
  chainId: number
}

interface RpcError {
  code: number
  message: string
}

const rejected = (message: string): RpcError => ({ code: 4001, message })

/** Installs the wallet into every page of `context`; the log records what the page asked. */
export async function installWallet(context: BrowserContext, publicClient: PublicClient, anvilChainId: number, scenario: WalletScenario): Promise<WalletLog> {
  const log: WalletLog = { methods: [], typedData: [], sent: [], chainId: scenario.chainId ?? anvilChainId }
  const known = new Set([log.chainId, anvilChainId, ...(scenario.knownChains ?? [])])
  if (scenario.knownChains) {
    known.clear()
    for (const id of [log.chainId, ...scenario.knownChains]) known.add(id)
  }
  const handle = async (method: string, params: unknown[]): Promise<unknown> => {
    log.methods.push(method)
    switch (method) {
      case 'eth_requestAccounts':
        if (scenario.rejectConnect) throw rejected('User rejected the request.')
        return [scenario.account.address]
      case 'eth_accounts':
        return [scenario.account.address]
      case 'eth_chainId':
        return `0x${log.chainId.toString(16)}`
      case 'wallet_switchEthereumChain': {
        if (scenario.rejectSwitch) throw rejected('User rejected the request.')
        const id = Number((params[0] as { chainId: string }).chainId)
        if (!known.has(id)) throw { code: 4902, message: `Unrecognized chain ID ${id}` } satisfies RpcError
        log.chainId = id
        return null
      }
      case 'wallet_addEthereumChain': {
        if (scenario.rejectSwitch) throw rejected('User rejected the request.')
        const id = Number((params[0] as { chainId: string }).chainId)
        known.add(id)
        log.chainId = id
        return null
      }
      case 'eth_call':
      case 'eth_getTransactionReceipt':
        if (log.chainId !== anvilChainId) throw { code: -32000, message: 'not connected to that chain' } satisfies RpcError
        return publicClient.request({ method: method as 'eth_call', params: params as never })
      case 'eth_sendTransaction': {
        if (scenario.rejectSend) throw rejected('User rejected the transaction.')
        const { to, data } = params[0] as { to: Hex; data: Hex }
        log.sent.push({ to, data })
        // Signed here by the buyer's key, sent raw to anvil: the buyer pays the gas, as with a real wallet.
        const wallet = createWalletClient({ account: scenario.account, chain: publicClient.chain, transport: custom({ request: (args) => publicClient.request(args as never) }) })
        return wallet.sendTransaction({ to, data, chain: publicClient.chain })
      }
      case 'eth_signTypedData_v4': {
        const [from, json] = params as [string, string]
        const typed = JSON.parse(json) as { domain: Record<string, unknown>; types: Record<string, { name: string; type: string }[]>; primaryType: string; message: Record<string, unknown> }
        log.typedData.push(typed)
        if (scenario.rejectSign) throw rejected('User denied message signature.')
        if (from.toLowerCase() !== scenario.account.address.toLowerCase()) throw { code: 4100, message: 'unknown account' } satisfies RpcError
        const { EIP712Domain: _domain, ...types } = typed.types
        return scenario.account.signTypedData({ domain: typed.domain, types, primaryType: typed.primaryType, message: typed.message } as Parameters<PrivateKeyAccount['signTypedData']>[0])
      }
      default:
        throw { code: 4200, message: `unsupported method ${method}` } satisfies RpcError
    }
  }
  await context.exposeFunction('__tollgateTestWallet', async (method: string, params: unknown[]) => {
    try {
      return { result: await handle(method, params ?? []) }
    } catch (error) {
      const e = error as Partial<RpcError>
      return { error: { code: typeof e.code === 'number' ? e.code : -32603, message: String(e.message ?? error) } }
    }
  })
  await context.addInitScript(walletScript, { inject: scenario.inject ?? 'eip6963' })
  return log
}

/** Runs in the page before its own scripts. */
function walletScript({ inject }: { inject: 'eip6963' | 'window.ethereum' }): void {
  const bridge = (window as unknown as { __tollgateTestWallet(method: string, params: unknown): Promise<{ result?: unknown; error?: { code: number; message: string } }> }).__tollgateTestWallet
  const providerOf = (refuse: boolean) => ({
    request: async ({ method, params }: { method: string; params?: unknown }) => {
      if (refuse) throw Object.assign(new Error('User rejected the request.'), { code: 4001 })
      const answer = await bridge(method, params ?? [])
      if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code })
      return answer.result
    },
    on() {},
    removeListener() {},
  })
  const provider = providerOf(false)
  if (inject === 'window.ethereum') {
    ;(window as unknown as { ethereum: unknown }).ethereum = provider
    return
  }
  const icon = 'data:image/svg+xml;base64,' + btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="15" fill="#f6851b"/></svg>')
  const wallets = [
    { info: { uuid: '7a1c1f2e-0000-4000-8000-000000000001', name: 'Test Wallet', icon, rdns: 'dev.tollgate.test' }, provider },
    { info: { uuid: '7a1c1f2e-0000-4000-8000-000000000002', name: 'Other Wallet', icon, rdns: 'dev.tollgate.other' }, provider: providerOf(true) },
  ]
  const announce = () => {
    for (const detail of wallets) window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze(detail) }))
  }
  window.addEventListener('eip6963:requestProvider', announce)
  announce()
}
