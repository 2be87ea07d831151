/**
 * Paying an `exact` EVM requirement from an EIP-1193 wallet, the way the official v2 client does
 * (@x402/evm, exact/client): through EIP-3009 by default, an EIP-3009 TransferWithAuthorization
 * signed with eth_signTypedData_v4 (domain {name, version} from `extra`, the chain id from the
 * CAIP-2 network, the token as verifying contract; validAfter 0, validBefore now +
 * maxTimeoutSeconds, a random 32-byte nonce); or through Permit2 when `extra.assetTransferMethod`
 * says so (evm-permit2.ts). Sent as a v2 payload `{x402Version, payload, resource, accepted, extensions}`.
 */
import { encodeHeader, randomHex } from './encode.js'
import { permit2Payload } from './evm-permit2.js'
import { checkBalance, ensureChain, signTyped } from './evm-wallet.js'
import type { PayContext, WalletFamily } from './families.js'
import type { Requirement } from './types.js'
import { discoverWallets } from './wallets.js'
import { PayError } from './wallet-errors.js'

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

const isPermit2 = (requirement: Requirement) => requirement.extra?.assetTransferMethod === 'permit2'

export const evmFamily: WalletFamily = {
  namespace: 'eip155',
  label: 'EVM',
  discover: discoverWallets,
  canPay(requirement) {
    // upto goes through Permit2 only, its witness naming the account that settles.
    if (requirement.scheme === 'upto') return isPermit2(requirement) && /^0x[0-9a-fA-F]{40}$/.test(String(requirement.extra?.facilitatorAddress))
    if (requirement.scheme !== 'exact') return false
    if (isPermit2(requirement)) return true
    const method = requirement.extra?.assetTransferMethod
    return (method === undefined || method === 'eip3009') && typeof requirement.extra?.name === 'string' && typeof requirement.extra?.version === 'string'
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
    const payload = isPermit2(requirement) ? await permit2Payload(context, chainId) : await eip3009Payload(context, chainId)
    return encodeHeader({
      x402Version: 2,
      payload,
      resource: context.resource,
      accepted: requirement,
      ...(context.extensions ? { extensions: context.extensions } : {}),
    })
  },
}

async function eip3009Payload(context: PayContext, chainId: number): Promise<Record<string, unknown>> {
  const { requirement } = context
  context.progress('Confirm the payment in your wallet…')
  const authorization = {
    from: context.account,
    to: requirement.payTo,
    value: requirement.amount,
    validAfter: '0',
    validBefore: String(Math.floor(Date.now() / 1000) + requirement.maxTimeoutSeconds),
    nonce: randomHex(32),
  }
  const signature = await signTyped(context, {
    types: { EIP712Domain: EIP712_DOMAIN, TransferWithAuthorization: TRANSFER_WITH_AUTHORIZATION },
    primaryType: 'TransferWithAuthorization',
    domain: { name: requirement.extra?.name, version: requirement.extra?.version, chainId, verifyingContract: requirement.asset },
    message: authorization,
  })
  return { authorization, signature }
}
