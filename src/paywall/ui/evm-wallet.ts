/**
 * What every EVM payment in the page needs from the wallet before it signs: the right chain
 * (switched, or added for the networks x402 knows), the buyer's token balance, typed-data
 * signatures with clear refusals, and contract reads through the wallet's own connection.
 */
import { formatUnits } from './encode.js'
import type { PayContext } from './families.js'
import type { Eip1193Provider, Wallet } from './types.js'
import { errorCode, errorText, PayError, UNRECOGNIZED_CHAIN, USER_REJECTED } from './wallet-errors.js'

/** Public parameters of the networks x402 knows, for wallet_addEthereumChain (the wallet uses them, the page never does). */
const KNOWN_CHAINS: Record<number, { chainName: string; rpcUrls: string[]; blockExplorerUrls: string[]; nativeCurrency: { name: string; symbol: string; decimals: number } }> = {
  8453: { chainName: 'Base', rpcUrls: ['https://mainnet.base.org'], blockExplorerUrls: ['https://basescan.org'], nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 } },
  84532: { chainName: 'Base Sepolia', rpcUrls: ['https://sepolia.base.org'], blockExplorerUrls: ['https://sepolia.basescan.org'], nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 } },
  137: { chainName: 'Polygon', rpcUrls: ['https://polygon-rpc.com'], blockExplorerUrls: ['https://polygonscan.com'], nativeCurrency: { name: 'POL', symbol: 'POL', decimals: 18 } },
  80002: { chainName: 'Polygon Amoy', rpcUrls: ['https://rpc-amoy.polygon.technology'], blockExplorerUrls: ['https://amoy.polygonscan.com'], nativeCurrency: { name: 'POL', symbol: 'POL', decimals: 18 } },
  43114: { chainName: 'Avalanche', rpcUrls: ['https://api.avax.network/ext/bc/C/rpc'], blockExplorerUrls: ['https://snowtrace.io'], nativeCurrency: { name: 'Avalanche', symbol: 'AVAX', decimals: 18 } },
  43113: { chainName: 'Avalanche Fuji', rpcUrls: ['https://api.avax-test.network/ext/bc/C/rpc'], blockExplorerUrls: ['https://testnet.snowtrace.io'], nativeCurrency: { name: 'Avalanche', symbol: 'AVAX', decimals: 18 } },
}

export async function ensureChain(wallet: Wallet, chainId: number, networkName: string): Promise<void> {
  const current = Number(await wallet.provider.request({ method: 'eth_chainId' }))
  if (current === chainId) return
  const hexId = `0x${chainId.toString(16)}`
  const refused = () => new PayError('wrong_chain', `Your wallet is on chain ${current}; this payment is on ${networkName} (chain ${chainId}). Switch your wallet to it and try again.`)
  try {
    await wallet.provider.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: hexId }] })
  } catch (error) {
    if (errorCode(error) === USER_REJECTED) throw refused()
    if (errorCode(error) !== UNRECOGNIZED_CHAIN) throw new PayError('wrong_chain', `Your wallet could not switch to ${networkName} (chain ${chainId}): ${errorText(error)}`)
    const known = KNOWN_CHAINS[chainId]
    if (!known) throw new PayError('unknown_chain', `Your wallet does not know ${networkName} (chain ${chainId}). Add it to your wallet and try again.`)
    try {
      await wallet.provider.request({ method: 'wallet_addEthereumChain', params: [{ chainId: hexId, ...known }] })
    } catch (addError) {
      if (errorCode(addError) === USER_REJECTED) throw refused()
      throw new PayError('wrong_chain', `Your wallet could not add ${networkName}: ${errorText(addError)}`)
    }
  }
  // Some wallets resolve before they have switched: check, so the signature is never for another chain.
  const now = Number(await wallet.provider.request({ method: 'eth_chainId' }))
  if (now !== chainId) throw refused()
}

/** ERC-20 balanceOf through the wallet's own connection; a wallet that cannot answer leaves the check to the seller. */
export async function checkBalance(provider: Eip1193Provider, context: PayContext): Promise<void> {
  const { requirement, token } = context
  const balance = await readUint(provider, requirement.asset, `0x70a08231${word(context.account)}`)
  const price = BigInt(requirement.amount)
  if (balance === undefined || balance >= price) return
  const units = (value: bigint) => (token ? `${formatUnits(value, token.decimals)} ${token.name}` : `${value} atomic units`)
  throw new PayError('insufficient_balance', `Insufficient balance: you have ${units(balance)} on ${context.networkName}; this costs ${units(price)}.`)
}

/** An eth_call through the wallet; undefined when the wallet cannot answer (the seller checks again anyway). */
export async function readUint(provider: Eip1193Provider, to: string, data: string): Promise<bigint | undefined> {
  try {
    const answer = await provider.request({ method: 'eth_call', params: [{ to, data }, 'latest'] })
    return typeof answer === 'string' && /^0x[0-9a-fA-F]{1,64}$/.test(answer) ? BigInt(answer) : undefined
  } catch {
    return undefined
  }
}

export const word = (address: string) => address.slice(2).toLowerCase().padStart(64, '0')

/** eth_signTypedData_v4, with the buyer's refusal told apart from a failure. */
export async function signTyped(context: PayContext, typedData: unknown): Promise<string> {
  let signature: unknown
  try {
    signature = await context.wallet.provider.request({ method: 'eth_signTypedData_v4', params: [context.account, JSON.stringify(typedData)] })
  } catch (error) {
    if (errorCode(error) === USER_REJECTED) throw new PayError('user_rejected', 'You declined the signature in your wallet. Nothing was signed.')
    throw new PayError('sign_failed', `The wallet could not sign: ${errorText(error)}`)
  }
  if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]+$/.test(signature)) throw new PayError('sign_failed', 'The wallet returned no signature.')
  return signature
}
