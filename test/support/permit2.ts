import { readFileSync } from 'node:fs'
import { concat, createWalletClient, http, maxUint256, parseAbi, type Abi, type Address, type Hex, type PrivateKeyAccount } from 'viem'
import { wrapFetchWithPayment, x402Client, type Network } from '@x402/fetch'
import { toClientEvmSigner } from '@x402/evm'
import { ExactEvmScheme } from '@x402/evm/exact/client'
import { UptoEvmScheme } from '@x402/evm/upto/client'
import { startTestChain, type TestChain } from './chain.js'

/** Canonical addresses (same on every chain): Permit2 and the x402 proxies, as @x402/evm names them. */
export const PERMIT2: Address = '0x000000000022D473030F116dDEE9F6B43aC78BA3'
export const EXACT_PROXY: Address = '0x402085c248EeA27D92E8b30b2C58ed07f9E20001'
export const UPTO_PROXY: Address = '0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002'
const CREATE2_DEPLOYER: Address = '0x4e59b44847b379578588920cA78FbF26c0B4956C'
const EXACT_SALT: Hex = '0x0000000000000000000000000000000000000000000000003000000007263b0e'

const file = (name: string) => readFileSync(new URL(`../../contracts/permit2/${name}`, import.meta.url), 'utf8').trim()
const artifact = (name: string) => JSON.parse(file(`artifacts/${name}.json`)) as { abi: Abi; bytecode: Hex }

export const permitTokenArtifact = artifact('PermitToken')
const uptoArtifact = artifact('x402UptoPermit2Proxy')
const tokenAbi = parseAbi([
  'function approve(address spender, uint256 value) returns (bool)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function mint(address to, uint256 value)',
  'function nonces(address owner) view returns (uint256)',
])
const proxyAbi = parseAbi(['function WITNESS_TYPE_STRING() view returns (string)', 'function PERMIT2() view returns (address)'])
const permit2Abi = parseAbi(['function nonceBitmap(address owner, uint256 wordPos) view returns (uint256)'])

/** The Permit2 test token as tollgate's asset table describes it: EIP-2612, no EIP-3009. */
export interface PermitTokenInfo {
  address: Address
  name: 'Tether USD'
  version: '1'
  decimals: 6
  transfer: 'eip2612'
}

export interface Permit2Chain extends TestChain {
  /** An ERC-20 with EIP-2612 and no EIP-3009, minted to every buyer. */
  permitToken: Address
  permitTokenInfo: PermitTokenInfo
  /** The buyer approves Permit2 for the token (an on-chain transaction the buyer pays gas for). */
  approvePermit2(buyer: PrivateKeyAccount, amount?: bigint, token?: Address): Promise<void>
  allowance(owner: Address, spender?: Address, token?: Address): Promise<bigint>
  permit2NonceUsed(owner: Address, nonce: bigint): Promise<boolean>
  rpc<T>(method: string, params?: unknown[]): Promise<T>
}

/**
 * A test chain (chain id 84532: the DeployPermit2 bytecode caches a domain separator that breaks
 * on 31337) with Permit2 placed by anvil_setCode, the exact proxy deployed through the CREATE2
 * deployer at its canonical address from the shipped init code, and the upto proxy's runtime
 * (compiled once, committed) placed at its canonical address. No compilation happens here.
 */
export async function startPermit2Chain(opts: { fundBuyers?: bigint; proxies?: boolean } = {}): Promise<Permit2Chain> {
  const chain = await startTestChain(opts.fundBuyers === undefined ? {} : { fundBuyers: opts.fundBuyers })
  try {
    return await placePermit2(chain, opts.proxies ?? true, opts.fundBuyers ?? 100_000_000n)
  } catch (error) {
    await chain.stop()
    throw error
  }
}

async function placePermit2(chain: TestChain, proxies: boolean, fund: bigint): Promise<Permit2Chain> {
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const res = await fetch(chain.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
    const json = (await res.json()) as { result?: T; error?: { message: string } }
    if (json.error) throw new Error(`${method}: ${json.error.message}`)
    return json.result as T
  }
  const { publicClient, walletClient } = chain
  const confirm = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`)
    return receipt
  }
  await rpc('anvil_setCode', [PERMIT2, `0x${file('permit2-runtime.hex').replace(/^0x/, '')}`])
  if (proxies) {
    await confirm(await walletClient.sendTransaction({ to: CREATE2_DEPLOYER, data: concat([EXACT_SALT, `0x${file('exact-proxy-initcode.hex').replace(/^0x/, '')}`]) }))
    const deployed = await confirm(await walletClient.deployContract({ abi: uptoArtifact.abi, bytecode: uptoArtifact.bytecode, args: [PERMIT2] }))
    const runtime = await publicClient.getCode({ address: deployed.contractAddress! })
    await rpc('anvil_setCode', [UPTO_PROXY, runtime])
    for (const [proxy, witness] of [
      [EXACT_PROXY, 'Witness(address to,uint256 validAfter)'],
      [UPTO_PROXY, 'Witness(address to,address facilitator,uint256 validAfter)'],
    ] as const) {
      // The proxies' witness layout drifts between repositories: pin the one @x402/evm 2.27 signs.
      const type = await publicClient.readContract({ address: proxy, abi: proxyAbi, functionName: 'WITNESS_TYPE_STRING' })
      if (!type.endsWith(witness)) throw new Error(`${proxy} witness type is ${type}`)
      if ((await publicClient.readContract({ address: proxy, abi: proxyAbi, functionName: 'PERMIT2' })) !== PERMIT2) throw new Error(`${proxy} does not use the canonical Permit2`)
    }
  }
  const tokenDeploy = await confirm(await walletClient.deployContract({ abi: permitTokenArtifact.abi, bytecode: permitTokenArtifact.bytecode, args: ['Tether USD', 'USDT', '1', 6] }))
  const permitToken = tokenDeploy.contractAddress as Address
  const { getAddress } = await import('viem')
  const token = getAddress(permitToken)
  for (const buyer of chain.accounts.buyers) {
    if (fund > 0n) await confirm(await walletClient.writeContract({ address: token, abi: tokenAbi, functionName: 'mint', args: [buyer.address, fund] }))
  }
  return {
    ...chain,
    permitToken: token,
    permitTokenInfo: { address: token, name: 'Tether USD', version: '1', decimals: 6, transfer: 'eip2612' },
    rpc,
    async approvePermit2(buyer, amount = maxUint256, which = token) {
      const wallet = createWalletClient({ account: buyer, chain: chain.chain, transport: http(chain.rpcUrl) })
      await confirm(await wallet.writeContract({ address: which, abi: tokenAbi, functionName: 'approve', args: [PERMIT2, amount] }))
    },
    allowance: (owner, spender = PERMIT2, which = token) => publicClient.readContract({ address: which, abi: tokenAbi, functionName: 'allowance', args: [owner, spender] }),
    async permit2NonceUsed(owner, nonce) {
      const word = await publicClient.readContract({ address: PERMIT2, abi: permit2Abi, functionName: 'nonceBitmap', args: [owner, nonce >> 8n] })
      return ((word >> (nonce & 255n)) & 1n) === 1n
    },
  }
}

/**
 * The official v2 buyer (@x402/fetch + @x402/evm) paying `exact` (EIP-3009 or Permit2, as the 402
 * says) and `upto`, with chain reads (allowance, the token's EIP-2612 nonce) through `rpcUrl`.
 */
export function permit2Fetch(account: PrivateKeyAccount, chain: Permit2Chain, assets: Address[], opts: { baseFetch?: typeof fetch } = {}): typeof fetch {
  const client = new x402Client()
  const signer = toClientEvmSigner(account, chain.publicClient as never)
  client.register('eip155:84532' as Network, new ExactEvmScheme(signer, { rpcUrl: chain.rpcUrl }))
  client.register('eip155:84532' as Network, new UptoEvmScheme(signer, { rpcUrl: chain.rpcUrl }))
  client.setSpendControls({ allowedAssets: assets.map((asset) => ({ network: 'eip155:84532' as Network, asset })) })
  return wrapFetchWithPayment(opts.baseFetch ?? fetch, client) as typeof fetch
}

export interface Permit2PaymentParts {
  token?: Address
  amount?: bigint
  spender?: Address
  nonce?: bigint
  deadline?: bigint
  to?: Address
  validAfter?: bigint
  /** upto: the witness's facilitator. */
  facilitator?: Address
  /** Signs with this key instead of the payer's (a forged signature, or a smart wallet's owner). */
  signer?: PrivateKeyAccount
  /** The owner named in the payment instead of the payer's address (a smart wallet). */
  from?: Address
  /** Wraps the signature as ERC-6492 (factory and calldata of a counterfactual wallet). */
  erc6492?: { factory: Address; data: Hex }
}

/**
 * A Permit2 payment header built by hand (what @x402/evm's client builds, with any field
 * overridden): for the bad-input tests, which need payloads no honest client would send.
 */
export async function permit2PaymentHeader(
  payer: PrivateKeyAccount,
  accepted: Record<string, unknown> & { scheme: string; amount: string; asset: string; payTo: string },
  parts: Permit2PaymentParts = {},
  extensions?: Record<string, unknown>,
): Promise<{ header: string; payload: Record<string, unknown>; nonce: bigint }> {
  const upto = accepted.scheme === 'upto'
  const now = BigInt(Math.floor(Date.now() / 1000))
  const nonce = parts.nonce ?? BigInt(`0x${[...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, '0')).join('')}`)
  const witness = upto
    ? { to: parts.to ?? (accepted.payTo as Address), facilitator: parts.facilitator ?? ((accepted.extra as { facilitatorAddress: Address }).facilitatorAddress), validAfter: parts.validAfter ?? 0n }
    : { to: parts.to ?? (accepted.payTo as Address), validAfter: parts.validAfter ?? 0n }
  const message = {
    permitted: { token: parts.token ?? (accepted.asset as Address), amount: parts.amount ?? BigInt(accepted.amount) },
    spender: parts.spender ?? (upto ? UPTO_PROXY : EXACT_PROXY),
    nonce,
    deadline: parts.deadline ?? now + 300n,
    witness,
  }
  const witnessType = upto
    ? [{ name: 'to', type: 'address' }, { name: 'facilitator', type: 'address' }, { name: 'validAfter', type: 'uint256' }]
    : [{ name: 'to', type: 'address' }, { name: 'validAfter', type: 'uint256' }]
  // Typed loosely: the witness type differs between exact and upto.
  const sign = (parts.signer ?? payer).signTypedData as (args: unknown) => Promise<Hex>
  const signature = await sign({
    domain: { name: 'Permit2', chainId: 84532, verifyingContract: PERMIT2 },
    types: {
      PermitWitnessTransferFrom: [
        { name: 'permitted', type: 'TokenPermissions' },
        { name: 'spender', type: 'address' },
        { name: 'nonce', type: 'uint256' },
        { name: 'deadline', type: 'uint256' },
        { name: 'witness', type: 'Witness' },
      ],
      TokenPermissions: [{ name: 'token', type: 'address' }, { name: 'amount', type: 'uint256' }],
      Witness: witnessType,
    },
    primaryType: 'PermitWitnessTransferFrom',
    message,
  })
  const text = (v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v)
  const { serializeErc6492Signature } = await import('viem/utils')
  const payload = {
    signature: parts.erc6492 ? serializeErc6492Signature({ address: parts.erc6492.factory, data: parts.erc6492.data, signature }) : signature,
    permit2Authorization: {
      from: parts.from ?? payer.address,
      permitted: { token: message.permitted.token, amount: text(message.permitted.amount) },
      spender: message.spender,
      nonce: text(nonce),
      deadline: text(message.deadline),
      witness: Object.fromEntries(Object.entries(witness).map(([k, v]) => [k, text(v)])),
    },
  }
  const envelope = { x402Version: 2, accepted, payload, ...(extensions ? { extensions } : {}) }
  return { header: Buffer.from(JSON.stringify(envelope)).toString('base64'), payload, nonce }
}

/** An eip2612GasSponsoring extension as the official client builds it, with any field overridden. */
export async function eip2612Extension(
  payer: PrivateKeyAccount,
  chain: Permit2Chain,
  token: { address: Address; name: string; version: string },
  amount: bigint,
  deadline: bigint,
  overrides: { from?: Address; spender?: Address; value?: bigint; nonce?: bigint; signer?: PrivateKeyAccount } = {},
): Promise<Record<string, unknown>> {
  const nonce = overrides.nonce ?? (await chain.publicClient.readContract({ address: token.address, abi: tokenAbi, functionName: 'nonces', args: [payer.address] }))
  const spender = overrides.spender ?? PERMIT2
  const value = overrides.value ?? amount
  const signature = await (overrides.signer ?? payer).signTypedData({
    domain: { name: token.name, version: token.version, chainId: 84532, verifyingContract: token.address },
    types: { Permit: [{ name: 'owner', type: 'address' }, { name: 'spender', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' }] },
    primaryType: 'Permit',
    message: { owner: overrides.from ?? payer.address, spender, value, nonce, deadline },
  })
  const info = { from: overrides.from ?? payer.address, asset: token.address, spender, amount: value.toString(), nonce: nonce.toString(), deadline: deadline.toString(), signature, version: '1' }
  return { eip2612GasSponsoring: { info } }
}

/** The first `accepts` entry of a route's 402. */
export async function acceptedOf(url: string, init: RequestInit = {}): Promise<Record<string, unknown> & { scheme: string; amount: string; asset: string; payTo: string }> {
  const res = await fetch(url, init)
  if (res.status !== 402) throw new Error(`expected a 402 from ${url}, got ${res.status}`)
  return JSON.parse(Buffer.from(res.headers.get('payment-required')!, 'base64').toString('utf8')).accepts[0]
}
