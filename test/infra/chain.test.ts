import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  formatEther,
  recoverTypedDataAddress,
  type Address,
  type Hex,
  type PrivateKeyAccount,
} from 'viem'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import { increaseTime, startAnvil } from '../support/anvil.js'
import { ANVIL_KEYS, startTestChain, testTokenAbi, type TestChain } from '../support/chain.js'
import {
  decodeHeader,
  encodeHeader,
  signAuthorization,
  transferWithAuthorizationTypes,
  v1Payment,
  v2Payment,
  type ExactEvmPayload,
} from '../support/payments.js'

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('startAnvil', () => {
  it('answers on the requested chain id and is gone after stop()', async () => {
    const anvil = await startAnvil({ chainId: 31337 })
    expect(anvil.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await fetch(anvil.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    })
    expect(((await res.json()) as { result: string }).result).toBe('0x7a69')
    expect(pidAlive(anvil.pid)).toBe(true)

    await anvil.stop()
    expect(pidAlive(anvil.pid)).toBe(false)
    await expect(fetch(anvil.rpcUrl, { method: 'POST', body: '{}' })).rejects.toThrow()
    await anvil.stop() // idempotent
  })

  it('runs several instances side by side on distinct ports', async () => {
    const [a, b] = await Promise.all([startAnvil(), startAnvil()])
    try {
      expect(a.rpcUrl).not.toBe(b.rpcUrl)
      expect(a.chainId).toBe(84532)
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })
})

describe('startTestChain', () => {
  let chain: TestChain

  async function authorizationUsed(from: Address, nonce: Hex): Promise<boolean> {
    return (await chain.publicClient.readContract({
      address: chain.token,
      abi: testTokenAbi,
      functionName: 'authorizationState',
      args: [from, nonce],
    })) as boolean
  }

  const submitVrs = (p: ExactEvmPayload) => chain.submitAuthorization(p)
  const submitBytes = (p: ExactEvmPayload) => chain.submitAuthorization(p, { overload: 'bytes' })

  const sign = (from: PrivateKeyAccount | Address, value: bigint, extra: { signer?: PrivateKeyAccount; validBefore?: bigint } = {}) =>
    signAuthorization({ from, to: chain.accounts.seller.address, value, token: chain.tokenInfo, chainId: chain.chainId, ...extra })

  beforeAll(async () => {
    chain = await startTestChain()
  })
  afterAll(async () => {
    await chain?.stop()
  })

  it('deploys USDC-like TestToken with EIP-712 name "USDC", version "2", 6 decimals', async () => {
    const read = (functionName: string) =>
      chain.publicClient.readContract({ address: chain.token, abi: testTokenAbi, functionName })
    expect(await read('name')).toBe('USDC')
    expect(await read('symbol')).toBe('USDC')
    expect(await read('version')).toBe('2')
    expect(await read('decimals')).toBe(6)
    expect(chain.tokenInfo).toEqual({ address: chain.token, name: 'USDC', version: '2', decimals: 6 })
    expect(chain.chainId).toBe(84532)
    expect(await chain.publicClient.getChainId()).toBe(84532)
  })

  it("uses anvil's default dev accounts, with matching keys and 10000 ETH each", async () => {
    const all = [chain.accounts.deployer, chain.accounts.settler, chain.accounts.seller, ...chain.accounts.buyers]
    expect(all).toHaveLength(10)
    all.forEach((account, i) => {
      expect(account.address).toBe(mnemonicToAccount('test test test test test test test test test test test junk', { addressIndex: i }).address)
      expect(privateKeyToAccount(ANVIL_KEYS[i] as Hex).address).toBe(account.address)
    })
    expect(privateKeyToAccount(chain.keys.settler).address).toBe(chain.accounts.settler.address)
    expect(privateKeyToAccount(chain.keys.seller).address).toBe(chain.accounts.seller.address)
    expect(chain.keys.buyers.map((k) => privateKeyToAccount(k).address)).toEqual(chain.accounts.buyers.map((b) => b.address))
    expect(formatEther(await chain.publicClient.getBalance({ address: chain.accounts.settler.address }))).toBe('10000')
  })

  it('funds every buyer with 100 USDC and nobody else', async () => {
    for (const buyer of chain.accounts.buyers) expect(await chain.balanceOf(buyer.address)).toBe(100_000_000n)
    expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(0n)
    expect(await chain.transferCount()).toBe(0)
  })

  it('settles a signed authorization once through the v,r,s overload', async () => {
    const buyer = chain.accounts.buyers[0] as PrivateKeyAccount
    const seller = chain.accounts.seller.address
    const before = await chain.transferCount()
    const payment = await sign(buyer, 1_234_567n)
    expect(payment.authorization).toMatchObject({ from: buyer.address, to: seller, value: '1234567' })
    expect(await authorizationUsed(buyer.address, payment.authorization.nonce)).toBe(false)

    await submitVrs(payment)

    expect(await chain.balanceOf(buyer.address)).toBe(100_000_000n - 1_234_567n)
    expect(await chain.balanceOf(seller)).toBe(1_234_567n)
    expect(await authorizationUsed(buyer.address, payment.authorization.nonce)).toBe(true)
    expect(await chain.transferCount()).toBe(before + 1)

    await expect(submitVrs(payment)).rejects.toThrow(/authorization is used or canceled/)
    expect(await chain.balanceOf(seller)).toBe(1_234_567n)
    expect(await chain.transferCount()).toBe(before + 1)
  })

  it('rejects an authorization signed by someone other than `from`', async () => {
    const [buyer, other] = chain.accounts.buyers as [PrivateKeyAccount, PrivateKeyAccount]
    const payment = await sign(buyer, 1n, { signer: other })
    expect(payment.authorization.from).toBe(buyer.address)
    await expect(submitVrs(payment)).rejects.toThrow(/invalid signature/)
  })

  it('pays from an ERC-1271 TestWallet through the bytes overload', async () => {
    const owner = chain.accounts.buyers[2] as PrivateKeyAccount
    const wallet = await chain.deployWallet(owner.address)
    expect(await chain.publicClient.getCode({ address: wallet })).toMatch(/^0x[0-9a-f]{10,}$/)
    await chain.mint(wallet, 5_000_000n)
    const sellerBefore = await chain.balanceOf(chain.accounts.seller.address)

    await expect(submitBytes(await sign(wallet, 1_000_000n, { signer: chain.accounts.buyers[3] }))).rejects.toThrow(/invalid signature/)
    const payment = await sign(wallet, 2_000_000n, { signer: owner })
    expect(payment.authorization.from).toBe(wallet)
    await submitBytes(payment)

    expect(await chain.balanceOf(wallet)).toBe(3_000_000n)
    expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(sellerBefore + 2_000_000n)
    expect(await authorizationUsed(wallet, payment.authorization.nonce)).toBe(true)
  })

  it('deploys extra tokens with their own domain', async () => {
    const other = await chain.deployToken({ name: 'Other', version: '1', decimals: 18 })
    expect(other).not.toBe(chain.token)
    const read = (functionName: string) => chain.publicClient.readContract({ address: other, abi: testTokenAbi, functionName })
    expect([await read('name'), await read('version'), await read('decimals')]).toEqual(['Other', '1', 18])
    await chain.mint(chain.accounts.seller.address, 7n, other)
    expect(await chain.balanceOf(chain.accounts.seller.address, other)).toBe(7n)
    expect(await chain.balanceOf(chain.accounts.buyers[0]!.address, other)).toBe(0n)
  })

  // Last: it moves the chain clock forward for the rest of this file.
  it('increaseTime() makes a short-lived authorization expire', async () => {
    const buyer = chain.accounts.buyers[4] as PrivateKeyAccount
    const { timestamp } = await chain.publicClient.getBlock()
    const payment = await sign(buyer, 1n, { validBefore: timestamp + 60n })
    await increaseTime(chain.rpcUrl, 120)
    expect((await chain.publicClient.getBlock()).timestamp).toBeGreaterThanOrEqual(timestamp + 120n)
    await expect(submitVrs(payment)).rejects.toThrow(/authorization is expired/)
  })
})

describe('payment helpers', () => {
  const buyer = privateKeyToAccount(ANVIL_KEYS[3] as Hex)
  const token = { address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e' as Address, name: 'USDC', version: '2' }

  it('signs like an x402 client: default window, random nonce, decimal strings', async () => {
    const now = BigInt(Math.floor(Date.now() / 1000))
    const a = await signAuthorization({ from: buyer, to: buyer.address, value: 10n, token, chainId: 84532 })
    const b = await signAuthorization({ from: buyer, to: buyer.address, value: 10n, token, chainId: 84532 })
    expect(a.authorization.nonce).toMatch(/^0x[0-9a-f]{64}$/)
    expect(a.authorization.nonce).not.toBe(b.authorization.nonce)
    expect(BigInt(a.authorization.validAfter)).toBeGreaterThanOrEqual(now - 601n)
    expect(BigInt(a.authorization.validAfter)).toBeLessThanOrEqual(now - 599n)
    expect(BigInt(a.authorization.validBefore) - BigInt(a.authorization.validAfter)).toBe(900n)
    expect(a.authorization.value).toBe('10')

    const recovered = await recoverTypedDataAddress({
      domain: { name: 'USDC', version: '2', chainId: 84532, verifyingContract: token.address },
      types: transferWithAuthorizationTypes,
      primaryType: 'TransferWithAuthorization',
      message: {
        ...a.authorization,
        value: 10n,
        validAfter: BigInt(a.authorization.validAfter),
        validBefore: BigInt(a.authorization.validBefore),
      },
      signature: a.signature,
    })
    expect(recovered).toBe(buyer.address)
  })

  it('builds v1 and v2 payment envelopes and round-trips them through base64 headers', async () => {
    const exact = await signAuthorization({ from: buyer, to: buyer.address, value: 1n, nonce: `0x${'11'.repeat(32)}`, token, chainId: 84532 })
    const v1 = v1Payment('base-sepolia', exact)
    expect(v1).toEqual({ x402Version: 1, scheme: 'exact', network: 'base-sepolia', payload: exact })
    const accepted = { scheme: 'exact', network: 'eip155:84532', amount: '1' }
    expect(v2Payment(accepted, exact)).toEqual({ x402Version: 2, accepted, payload: exact })
    expect('resource' in v2Payment(accepted, exact)).toBe(false)
    const resource = { url: 'http://127.0.0.1/x' }
    expect(v2Payment(accepted, exact, resource)).toEqual({ x402Version: 2, resource, accepted, payload: exact })

    const header = encodeHeader({ ...v1, note: 'café' })
    expect(header).toMatch(/^[A-Za-z0-9+/]+=*$/)
    expect(decodeHeader(header)).toEqual({ ...v1, note: 'café' })
    expect(Buffer.from(header, 'base64').toString('utf8')).toBe(JSON.stringify({ ...v1, note: 'café' }))
  })

  it('requires a signer when paying from a contract address', async () => {
    await expect(signAuthorization({ from: buyer.address, to: buyer.address, value: 1n, token, chainId: 1 })).rejects.toThrow(/signer/)
  })
})
