import { readFileSync } from 'node:fs'
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  parseAbiItem,
  parseSignature,
  zeroAddress,
  type Abi,
  type Address,
  type Chain,
  type Hash,
  type Hex,
  type PrivateKeyAccount,
  type PublicClient,
  type WalletClient,
  type Transport,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { startAnvil, type Anvil } from './anvil.js'
import type { ExactEvmPayload } from './payments.js'

interface Artifact {
  abi: Abi
  bytecode: Hex
}

function loadArtifact(name: 'TestToken' | 'TestWallet'): Artifact {
  const url = new URL(`../../contracts/artifacts/${name}.json`, import.meta.url)
  const json = JSON.parse(readFileSync(url, 'utf8')) as { abi: Abi; bytecode: string }
  const bytecode = (json.bytecode.startsWith('0x') ? json.bytecode : `0x${json.bytecode}`) as Hex
  return { abi: json.abi, bytecode }
}

export const testTokenArtifact = loadArtifact('TestToken')
export const testWalletArtifact = loadArtifact('TestWallet')
export const testTokenAbi = testTokenArtifact.abi
export const testWalletAbi = testWalletArtifact.abi

/** Anvil's well-known dev keys (mnemonic "test test ... junk"), each funded with 10000 ETH. */
export const ANVIL_KEYS: readonly Hex[] = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
]

export interface TokenInfo {
  address: Address
  name: 'USDC'
  version: '2'
  decimals: 6
}

export interface TestChain {
  anvil: Anvil
  rpcUrl: string
  chainId: number
  chain: Chain
  publicClient: PublicClient
  /** Wallet client of the deployer (the token's minter). */
  walletClient: WalletClient<Transport, Chain, PrivateKeyAccount>
  token: Address
  tokenInfo: TokenInfo
  accounts: {
    deployer: PrivateKeyAccount
    settler: PrivateKeyAccount
    seller: PrivateKeyAccount
    buyers: PrivateKeyAccount[]
  }
  keys: { deployer: Hex; settler: Hex; seller: Hex; buyers: Hex[] }
  balanceOf(address: Address, token?: Address): Promise<bigint>
  mint(to: Address, amount: bigint, token?: Address): Promise<void>
  deployToken(opts?: { name?: string; symbol?: string; version?: string; decimals?: number }): Promise<Address>
  deployWallet(owner: Address): Promise<Address>
  /** Transfers of `token` (or the given token) other than mints, counted from block 0. */
  transferCount(token?: Address): Promise<number>
  /**
   * Submits an x402 `exact` payload's transferWithAuthorization, through the (v,r,s) overload by
   * default or the bytes one; rejects on revert. Sent by the deployer unless `sender` is given, so
   * it never races the library's settler for nonces.
   */
  submitAuthorization(
    payload: ExactEvmPayload,
    opts?: { overload?: 'vrs' | 'bytes'; token?: Address; sender?: PrivateKeyAccount },
  ): Promise<Hash>
  stop(): Promise<void>
}

const transferEvent = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)')

export async function startTestChain(opts: { fundBuyers?: bigint } = {}): Promise<TestChain> {
  const anvil = await startAnvil()
  try {
    return await buildChain(anvil, opts.fundBuyers ?? 100_000_000n)
  } catch (error) {
    await anvil.stop()
    throw error
  }
}

async function buildChain(anvil: Anvil, fundBuyers: bigint): Promise<TestChain> {
  const chain = defineChain({
    id: anvil.chainId,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [anvil.rpcUrl] } },
  })
  // Automine makes receipts available at once; viem's 4 s default polling would dominate test time.
  const transport = http(anvil.rpcUrl)
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 })
  const [deployerKey, settlerKey, sellerKey, ...buyerKeys] = ANVIL_KEYS as [Hex, Hex, Hex, ...Hex[]]
  const deployer = privateKeyToAccount(deployerKey)
  const walletClient = createWalletClient({ account: deployer, chain, transport, pollingInterval: 50 })

  const confirm = async (hash: Hash): Promise<Address | null | undefined> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`)
    // Receipts carry lowercase addresses; tests compare against checksummed ones.
    return receipt.contractAddress ? getAddress(receipt.contractAddress) : receipt.contractAddress
  }

  const deployToken: TestChain['deployToken'] = async (o = {}) => {
    const hash = await walletClient.deployContract({
      abi: testTokenArtifact.abi,
      bytecode: testTokenArtifact.bytecode,
      args: [o.name ?? 'USDC', o.symbol ?? o.name ?? 'USDC', o.version ?? '2', o.decimals ?? 6],
    })
    const address = await confirm(hash)
    if (!address) throw new Error('TestToken deployment returned no contract address')
    return address
  }

  const token = await deployToken()

  const mint: TestChain['mint'] = async (to, amount, which = token) => {
    await confirm(
      await walletClient.writeContract({ address: which, abi: testTokenArtifact.abi, functionName: 'mint', args: [to, amount] }),
    )
  }

  const buyers = buyerKeys.map((k) => privateKeyToAccount(k))
  const settler = privateKeyToAccount(settlerKey)

  const submitAuthorization: TestChain['submitAuthorization'] = async (payload, o = {}) => {
    const a = payload.authorization
    const head = [a.from, a.to, BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce] as const
    let tail: readonly unknown[] = [payload.signature]
    if ((o.overload ?? 'vrs') === 'vrs') {
      const { v, r, s } = parseSignature(payload.signature)
      tail = [Number(v), r, s]
    }
    const hash = await walletClient.writeContract({
      account: o.sender ?? deployer,
      address: o.token ?? token,
      abi: testTokenArtifact.abi,
      functionName: 'transferWithAuthorization',
      args: [...head, ...tail],
    })
    await confirm(hash)
    return hash
  }

  if (fundBuyers > 0n) for (const buyer of buyers) await mint(buyer.address, fundBuyers)

  return {
    anvil,
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    chain,
    publicClient: publicClient as PublicClient,
    walletClient,
    token,
    tokenInfo: { address: token, name: 'USDC', version: '2', decimals: 6 },
    accounts: { deployer, settler, seller: privateKeyToAccount(sellerKey), buyers },
    keys: { deployer: deployerKey, settler: settlerKey, seller: sellerKey, buyers: buyerKeys },
    balanceOf: async (address, which = token) =>
      (await publicClient.readContract({
        address: which,
        abi: testTokenArtifact.abi,
        functionName: 'balanceOf',
        args: [address],
      })) as bigint,
    mint,
    deployToken,
    deployWallet: async (owner) => {
      const hash = await walletClient.deployContract({
        abi: testWalletArtifact.abi,
        bytecode: testWalletArtifact.bytecode,
        args: [owner],
      })
      const address = await confirm(hash)
      if (!address) throw new Error('TestWallet deployment returned no contract address')
      return address
    },
    transferCount: async (which = token) => {
      const logs = await publicClient.getLogs({ address: which, event: transferEvent, fromBlock: 0n, toBlock: 'latest' })
      return logs.filter((log) => log.args.from !== zeroAddress).length
    },
    submitAuthorization,
    stop: () => anvil.stop(),
  }
}
