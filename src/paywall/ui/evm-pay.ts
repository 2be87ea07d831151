/**
 * Paying an `exact` EVM requirement from an EIP-1193 wallet, the way the official v2 client does
 * (@x402/evm, exact/client/eip3009): an EIP-3009 TransferWithAuthorization signed with
 * eth_signTypedData_v4, domain {name, version} from `extra`, the chain id from the CAIP-2 network,
 * the token as verifying contract; validAfter 0, validBefore now + maxTimeoutSeconds, a random
 * 32-byte nonce; sent as a v2 payload `{x402Version, payload, resource, accepted}`.
 */
import { encodeHeader, formatUnits, randomHex } from './encode.js'
import type { PayContext, WalletFamily } from './families.js'
import type { Eip1193Provider, Requirement, Wallet } from './types.js'
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

const TRANSFER_WITH_AUTHORIZATION = [
  { name: 'from', type: 'address' },
  { name: 'to', type: 'address' },
  { name: 'value', type: 'uint256' },
  { name: 'validAfter', type: 'uint256' },
  { name: 'validBefore', type: 'uint256' },
  { name: 'nonce', type: 'bytes32' },
]
const EIP712_DOMAIN = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
]

export const evmFamily: WalletFamily = {
  namespace: 'eip155',
  canPay(requirement) {
    const method = requirement.extra?.assetTransferMethod
    return requirement.scheme === 'exact' && (method === undefined || method === 'eip3009') && typeof requirement.extra?.name === 'string' && typeof requirement.extra?.version === 'string'
  },
  async connect(wallet) {
    const accounts = await wallet.provider.request({ method: 'eth_requestAccounts' })
    const account = Array.isArray(accounts) ? accounts[0] : undefined
    if (typeof account !== 'string') throw new PayError('no_account', 'The wallet gave no account.')
    return account
  },
  async pay(context) {
    const { wallet, requirement } = context
    const chainId = Number(requirement.network.split(':')[1])
    context.progress('Checking the network…')
    await ensureChain(wallet, chainId, context.networkName)
    context.progress('Checking your balance…')
    await checkBalance(wallet.provider, context)
    context.progress('Confirm the payment in your wallet…')
    const authorization = {
      from: context.account,
      to: requirement.payTo,
      value: requirement.amount,
      validAfter: '0',
      validBefore: String(Math.floor(Date.now() / 1000) + requirement.maxTimeoutSeconds),
      nonce: randomHex(32),
    }
    const typedData = {
      types: { EIP712Domain: EIP712_DOMAIN, TransferWithAuthorization: TRANSFER_WITH_AUTHORIZATION },
      primaryType: 'TransferWithAuthorization',
      domain: { name: requirement.extra?.name, version: requirement.extra?.version, chainId, verifyingContract: requirement.asset },
      message: authorization,
    }
    let signature: unknown
    try {
      signature = await wallet.provider.request({ method: 'eth_signTypedData_v4', params: [context.account, JSON.stringify(typedData)] })
    } catch (error) {
      if (errorCode(error) === USER_REJECTED) throw new PayError('user_rejected', 'You declined the signature in your wallet. Nothing was signed.')
      throw new PayError('sign_failed', `The wallet could not sign: ${errorText(error)}`)
    }
    if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]+$/.test(signature)) throw new PayError('sign_failed', 'The wallet returned no signature.')
    return encodeHeader({
      x402Version: 2,
      payload: { authorization, signature },
      resource: context.resource,
      accepted: requirement,
      ...(context.extensions ? { extensions: context.extensions } : {}),
    })
  },
}

async function ensureChain(wallet: Wallet, chainId: number, networkName: string): Promise<void> {
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
async function checkBalance(provider: Eip1193Provider, context: PayContext): Promise<void> {
  const { requirement, token } = context
  const data = `0x70a08231${context.account.slice(2).toLowerCase().padStart(64, '0')}`
  let balance: bigint
  try {
    const answer = await provider.request({ method: 'eth_call', params: [{ to: requirement.asset, data }, 'latest'] })
    if (typeof answer !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(answer)) return
    balance = BigInt(answer)
  } catch {
    return
  }
  const price = BigInt(requirement.amount)
  if (balance >= price) return
  const units = (value: bigint) => (token ? `${formatUnits(value, token.decimals)} ${token.name}` : `${value} atomic units`)
  throw new PayError('insufficient_balance', `Insufficient balance: you have ${units(balance)} on ${context.networkName}; this costs ${units(price)}.`)
}
