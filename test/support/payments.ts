import { getAddress, toHex, type Address, type Hex, type PrivateKeyAccount } from 'viem'
import { randomBytes } from 'node:crypto'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { TestChain } from './chain.js'

/** EIP-3009 TransferWithAuthorization, as USDC and every x402 `exact` EVM client define it. */
export const transferWithAuthorizationTypes = {
  TransferWithAuthorization: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' },
    { name: 'validBefore', type: 'uint256' },
    { name: 'nonce', type: 'bytes32' },
  ],
} as const

export interface AuthorizationParams {
  /** The payer: an EOA account, or a contract wallet's address (then `signer` is required). */
  from: PrivateKeyAccount | Address
  to: Address
  value: bigint
  validAfter?: bigint
  validBefore?: bigint
  nonce?: Hex
  token: { address: Address; name: string; version: string }
  chainId: number
  /** Signs instead of `from`: for wrong-signer tests and for ERC-1271 wallets' owners. */
  signer?: PrivateKeyAccount
}

/** Wire form of an authorization: addresses checksummed, numbers as decimal strings. */
export interface WireAuthorization {
  from: Address
  to: Address
  value: string
  validAfter: string
  validBefore: string
  nonce: Hex
}

export interface ExactEvmPayload {
  signature: Hex
  authorization: WireAuthorization
}

export function randomNonce(): Hex {
  return toHex(randomBytes(32))
}

export function nowSeconds(): bigint {
  return BigInt(Math.floor(Date.now() / 1000))
}

export async function signAuthorization(p: AuthorizationParams): Promise<ExactEvmPayload> {
  const fromAddress = typeof p.from === 'string' ? getAddress(p.from) : p.from.address
  const signer = p.signer ?? (typeof p.from === 'string' ? undefined : p.from)
  if (!signer) throw new Error('signAuthorization: `signer` is required when `from` is an address')
  const now = nowSeconds()
  const message = {
    from: fromAddress,
    to: getAddress(p.to),
    value: p.value,
    validAfter: p.validAfter ?? now - 600n,
    validBefore: p.validBefore ?? now + 300n,
    nonce: p.nonce ?? randomNonce(),
  }
  const signature = await signer.signTypedData({
    domain: { name: p.token.name, version: p.token.version, chainId: p.chainId, verifyingContract: getAddress(p.token.address) },
    types: transferWithAuthorizationTypes,
    primaryType: 'TransferWithAuthorization',
    message,
  })
  return {
    signature,
    authorization: {
      from: message.from,
      to: message.to,
      value: message.value.toString(),
      validAfter: message.validAfter.toString(),
      validBefore: message.validBefore.toString(),
      nonce: message.nonce,
    },
  }
}

/** Header encoding used by both protocol generations: standard base64 of UTF-8 JSON. */
export function encodeHeader(obj: unknown): string {
  return Buffer.from(JSON.stringify(obj), 'utf8').toString('base64')
}

export function decodeHeader<T = unknown>(header: string): T {
  return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as T
}

export interface V1Payment<P = ExactEvmPayload> {
  x402Version: 1
  scheme: 'exact'
  network: string
  payload: P
}

export function v1Payment<P = ExactEvmPayload>(network: string, exactPayload: P): V1Payment<P> {
  return { x402Version: 1, scheme: 'exact', network, payload: exactPayload }
}

export interface V2Payment<A extends object = Record<string, unknown>, P = ExactEvmPayload> {
  x402Version: 2
  resource?: object
  accepted: A
  payload: P
}

export function v2Payment<A extends object, P = ExactEvmPayload>(
  accepted: A,
  exactPayload: P,
  resource?: object,
): V2Payment<A, P> {
  return { x402Version: 2, ...(resource === undefined ? {} : { resource }), accepted, payload: exactPayload }
}

export interface V2Requirement {
  scheme: string
  network: string
  asset: Address
  amount: string
  payTo: Address
  maxTimeoutSeconds: number
  extra: { name: string; version: string }
}

/** A buyer nobody else uses, holding `funds` of the test token. */
export async function freshBuyer(chain: TestChain, funds = 1_000_000n): Promise<PrivateKeyAccount> {
  const buyer = privateKeyToAccount(generatePrivateKey())
  if (funds > 0n) await chain.mint(buyer.address, funds)
  return buyer
}

/** The route's v2 requirement, as a v2 buyer reads it from the 402. */
export async function requirementAt(url: string): Promise<V2Requirement> {
  const res = await fetch(url)
  await res.arrayBuffer()
  if (res.status !== 402) throw new Error(`${url} answered ${res.status}, not 402`)
  return decodeHeader<{ accepts: V2Requirement[] }>(res.headers.get('payment-required')!).accepts[0]!
}

/** A hand-signed v2 payment for `requirement`, with any field of the authorization overridden. */
export async function signedV2(
  chain: TestChain,
  requirement: V2Requirement,
  buyer: PrivateKeyAccount,
  overrides: Partial<AuthorizationParams> = {},
  accepted: object = requirement,
): Promise<{ header: string; payload: ExactEvmPayload }> {
  const payload = await signAuthorization({
    from: buyer,
    to: requirement.payTo,
    value: BigInt(requirement.amount),
    token: { address: requirement.asset, name: requirement.extra.name, version: requirement.extra.version },
    chainId: chain.chainId,
    ...overrides,
  })
  return { header: encodeHeader(v2Payment(accepted, payload)), payload }
}
