import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Hex } from 'viem'
import type { TestChain } from '../../support/chain.js'

export const MULTICALL3_ADDRESS = '0xcA11bde05977b3631167028862bE2a173976CA11'

/**
 * The official EVM facilitator explains failed simulations with Multicall3 reads; anvil has none.
 * Its creation code comes from the installed viem (never written by hand): deployed once, then its
 * runtime code is copied to the canonical address.
 */
export async function installMulticall3(chain: TestChain): Promise<void> {
  const existing = await chain.publicClient.getCode({ address: MULTICALL3_ADDRESS })
  if (existing && existing !== '0x') return
  const require = createRequire(import.meta.url)
  const source = readFileSync(join(dirname(require.resolve('viem/package.json')), '_esm', 'constants', 'contracts.js'), 'utf8')
  const bytecode = /multicall3Bytecode = '(0x[0-9a-f]+)'/.exec(source)?.[1] as Hex | undefined
  if (!bytecode) throw new Error('multicall3Bytecode not found in the installed viem')
  const hash = await chain.walletClient.sendTransaction({ data: bytecode })
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash })
  const runtime = await chain.publicClient.getCode({ address: receipt.contractAddress! })
  await chain.publicClient.request({ method: 'anvil_setCode' as never, params: [MULTICALL3_ADDRESS, runtime] as never })
}
