import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { settleAuthorization, verifyAuthorization, type ChainTerms } from '../../src/chains/evm/exact/verify-authorization.js'
import { NetworkRegistry } from '../../src/networks/resolve-network.js'
import { localSettler } from '../../src/chains/evm/settler/local-settler.js'
import { freePort } from '../support/anvil.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { signAuthorization } from '../support/payments.js'
import { startRpcProxy, type RpcProxy } from './rpc-proxy.js'
import { PRICE, proofOf, recordingLogger } from './settler-fixture.js'

/**
 * RPC URLs carry API keys in their userinfo, path or query. None of it may reach a verification
 * or settlement `detail` (logged) or the settler's own log lines; buyers get `publicDetail` only,
 * built from their own proof.
 */

let chain: TestChain
let proxy: RpcProxy

beforeAll(async () => {
  chain = await startTestChain()
  proxy = await startRpcProxy(chain.rpcUrl)
})

afterAll(async () => {
  await proxy?.close()
  await chain?.stop()
})

const SECRET = /SECRET|hunter2/

async function termsThrough(rpcUrl: string, networkName: string, logger = recordingLogger()) {
  const network = new NetworkRegistry([{ name: 'base-sepolia', asset: chain.tokenInfo }]).resolve(networkName)
  const settler = localSettler({ privateKey: generatePrivateKey(), rpcUrls: { [networkName]: rpcUrl }, pollingIntervalMs: 50, requestTimeoutMs: 2_000, logger })
  const token = network.asset!
  const terms: ChainTerms = { network, token, amount: PRICE, payTo: chain.accounts.seller.address, chain: settler.connect(network) }
  const buyer = privateKeyToAccount(generatePrivateKey())
  const payload = await signAuthorization({ from: buyer, to: terms.payTo, value: PRICE, token, chainId: network.chainId })
  return { terms, proof: proofOf(payload), logger }
}

describe('no RPC URL in details or logs', () => {
  it('an unreachable endpoint: 503 chain_unavailable at verification and settlement, with no part of the URL beyond its host', async () => {
    const url = `http://user:hunter2@127.0.0.1:${await freePort()}/v2/SECRET-PATH?apikey=SECRET-QUERY`
    const { terms, proof, logger } = await termsThrough(url, 'base-sepolia')

    const verification = await verifyAuthorization(terms, proof, 2, Date.now())
    expect(verification).toMatchObject({ ok: false, status: 503, reason: 'chain_unavailable', detail: expect.stringContaining('127.0.0.1') })
    expect(JSON.stringify(verification)).not.toMatch(SECRET)

    const settlement = await settleAuthorization(terms, proof)
    expect(settlement).toMatchObject({ ok: false, status: 503, reason: 'chain_unavailable', broadcast: false })
    expect(JSON.stringify(settlement)).not.toMatch(SECRET)

    const a = proof.authorization
    const check = await terms.chain.checkAuthorization(terms.token.address, a.from, a.nonce)
    expect(check.state).toBe('unknown')
    expect(JSON.stringify(check)).not.toMatch(SECRET)
    expect(logger.lines.length).toBeGreaterThan(0)
    expect(JSON.stringify(logger.lines)).not.toMatch(SECRET)
  })

  it('an endpoint serving another chain: refused as chain_unavailable, naming the chain but not the URL path', async () => {
    // The proxy forwards whatever the path: the test chain (84532) answers for a 'base' (8453) route.
    const { terms, proof } = await termsThrough(`${proxy.url}/v2/SECRET-PATH`, 'base')
    const verification = await verifyAuthorization(terms, proof, 2, Date.now())
    expect(verification).toMatchObject({ ok: false, status: 503, reason: 'chain_unavailable', detail: expect.stringMatching(/serves chain 84532, but network base is chain 8453/) })
    expect(JSON.stringify(verification)).not.toMatch(SECRET)
  })
})

describe('publicDetail: what a buyer may read, from their own proof', () => {
  it('a refusal from the terms or the chain carries publicDetail built from the proof', async () => {
    const { terms, proof } = await termsThrough(chain.rpcUrl, 'base-sepolia')
    const cheap = { ...proof, authorization: { ...proof.authorization, value: PRICE - 1n } }
    // The value no longer matches the signature: the signature check answers first.
    expect(await verifyAuthorization(terms, cheap, 2, Date.now())).toMatchObject({
      status: 402,
      reason: 'invalid_exact_evm_signature',
      publicDetail: `signature is not ${proof.authorization.from}'s`,
    })
    // A valid proof from a buyer holding nothing: the balance refusal names only the proof's numbers.
    const broke = await verifyAuthorization(terms, proof, 2, Date.now())
    expect(broke).toMatchObject({ status: 402, reason: 'invalid_exact_evm_insufficient_balance', publicDetail: `${proof.authorization.from} holds less than the ${PRICE} it authorizes` })
  })
})
