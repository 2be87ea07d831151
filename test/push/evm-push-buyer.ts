import { createWalletClient, encodeFunctionData, http, type Address, type Hash, type Hex, type PrivateKeyAccount } from 'viem'
import { pushBindingMessage } from '../../src/index.js'
import { testTokenAbi, type TestChain } from '../support/chain.js'

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  const json = (await res.json()) as { result?: unknown; error?: { message: string } }
  if (json.error) throw new Error(json.error.message)
  return json.result
}

/** Mines `blocks` empty blocks: confirmations for what is already mined. */
export async function mine(chain: TestChain, blocks = 1): Promise<void> {
  for (let i = 0; i < blocks; i++) await rpc(chain.rpcUrl, 'evm_mine')
}

/**
 * The buyer's own ERC-20 transfer (the push: paid before asking), mined by anvil's automine.
 * `gas` skips estimation so a transfer that reverts is still sent and mined as failed.
 */
export async function pushTransfer(chain: TestChain, from: PrivateKeyAccount, to: Address, amount: bigint, opts: { token?: Address; gas?: bigint } = {}): Promise<Hash> {
  const wallet = createWalletClient({ account: from, chain: chain.chain, transport: http(chain.rpcUrl) })
  const data = encodeFunctionData({ abi: testTokenAbi, functionName: 'transfer', args: [to, amount] })
  const hash = await wallet.sendTransaction({ to: opts.token ?? chain.token, data, ...(opts.gas ? { gas: opts.gas } : {}) })
  await chain.publicClient.waitForTransactionReceipt({ hash })
  return hash
}

/** Gives a fresh buyer gas money: its own transfers are pushes it pays for. */
export async function fundGas(chain: TestChain, to: Address): Promise<void> {
  await rpc(chain.rpcUrl, 'anvil_setBalance', [to, '0xDE0B6B3A7640000'])
}

/** The structured credential with the binding signature of `signer` over the hash and the request. */
export async function boundHeader(
  chain: TestChain,
  hash: Hex,
  signer: PrivateKeyAccount,
  request: { method?: string; url: string },
  extra: { payer?: string; chain?: string } = {},
): Promise<string> {
  const message = pushBindingMessage({ chain: `eip155:${chain.chainId}`, transaction: hash.toLowerCase(), method: request.method ?? 'GET', resource: request.url })
  const signature = await signer.signMessage({ message })
  const payer = extra.payer ? ` payer_address="${extra.payer}"` : ''
  return `x402 tx_hash="${hash}" chain="${extra.chain ?? 'base-sepolia'}"${payer} signature="${signature}"`
}
