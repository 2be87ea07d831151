/**
 * `npm run demo -- --gateway` (or `tsx scripts/demo-gateway.ts`): a local chain, a Python
 * `http.server` API with no payment code (examples/gateway/upstream.py), `tollgate gateway` in front
 * of it with the example configuration, and the official x402 v2 client buying through the gateway,
 * every step printed. Exits 0 when the payment went through, both balances moved by exactly the
 * price and the gateway stopped cleanly on SIGTERM; 1 otherwise. Needs python3.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { registerExactEvmScheme } from '@x402/evm/exact/client'
import { wrapFetchWithPayment, x402Client } from '@x402/fetch'
import type { Hash } from 'viem'
import { startTestChain, type TestChain } from '../test/support/chain.js'
import { chainEnv, networksYaml, writeConfig } from '../test/gateway/support/config.js'
import { REPO, spawnProcess, startGateway, type Gateway, type Spawned } from '../test/gateway/support/processes.js'
import { loggingFetch } from './demo/logging-fetch.js'
import { bold, decodeBase64Json, dim, formatUnits, green, line, note, step } from './demo/print.js'
import { check, runDemo } from './demo/outcome.js'

const PRICE = 10_000n // GET /weather/* in examples/gateway/tollgate.config.yaml: 0.01 with 6 decimals
const SYMBOL = 'USDC'


async function run(): Promise<void> {
  const startedAt = Date.now()
  console.log(bold('tollgate gateway demo: the official x402 v2 client buys from a Python API through tollgate gateway'))
  check(spawnSync('python3', ['--version']).status === 0, 'python3 is needed for the upstream (apt-get install -y python3)')
  let chain: TestChain | undefined
  let upstream: Spawned | undefined
  let gateway: Gateway | undefined
  try {
    step('Local chain')
    chain = await startTestChain()
    const buyer = chain.accounts.buyers[0]!
    const sellerAddress = chain.accounts.seller.address
    const usdc = (atomic: bigint) => `${formatUnits(atomic, chain!.tokenInfo.decimals)} ${SYMBOL}`
    line('anvil', `${chain.rpcUrl} ${dim(`(chain id ${chain.chainId}, standing in for base-sepolia)`)}`)
    line('token', `${chain.token} ${dim('(EIP-3009 test USDC)')}`)
    line('buyer', buyer.address)
    line('seller', `${sellerAddress} ${dim('(payTo)')}`)

    step('Upstream: a Python http.server with no payment code')
    upstream = spawnProcess('python3', ['-u', `${REPO}examples/gateway/upstream.py`, '0'])
    const [, port] = await upstream.waitFor(/listening on (\d+)/, 30_000)
    const target = `http://127.0.0.1:${port}`
    line('upstream', `examples/gateway/upstream.py on ${target}`)
    const direct = await fetch(`${target}/weather/Lisbon`)
    note(`GET ${target}/weather/Lisbon directly ← ${direct.status} ${await direct.text()}`)

    step('tollgate gateway --config examples/gateway/tollgate.config.yaml')
    // The example as shipped, with base-sepolia's token pointed at the local chain's test token.
    const config = writeConfig(`${readFileSync(`${REPO}examples/gateway/tollgate.config.yaml`, 'utf8')}\n${networksYaml(chain)}`)
    gateway = await startGateway(['--config', config, '--target', target, '--pay-to', sellerAddress], {
      ...chainEnv(chain),
      TOLLGATE_PREPAID_SECRET: 'a demo prepaid secret, at least 32 bytes long',
    })
    for (const summaryLine of gateway.stdout().trimEnd().split('\n')) note(summaryLine)
    const resource = `${gateway.url}/weather/Lisbon`

    const balances = async () => ({ buyer: await chain!.balanceOf(buyer.address), seller: await chain!.balanceOf(sellerAddress) })
    step('Balances before')
    const before = await balances()
    line('buyer', usdc(before.buyer))
    line('seller', usdc(before.seller))

    step('Unpaid request through the gateway')
    const unpaid = await fetch(resource)
    note(`GET ${resource} ← ${unpaid.status} ${unpaid.statusText}`)
    check(unpaid.status === 402, `expected 402 without payment, got ${unpaid.status}`)
    const required = decodeBase64Json<{ accepts: { amount: string; network: string; payTo: string }[] }>(unpaid.headers.get('payment-required') ?? '')
    const offer = required.accepts[0]
    check(offer, 'PAYMENT-REQUIRED lists no payment option')
    line('  amount', `${offer.amount} ${dim(`(${usdc(BigInt(offer.amount))}) on ${offer.network}, to ${offer.payTo}`)}`)
    check(offer.amount === PRICE.toString(), `the challenge asks ${offer.amount}, expected ${PRICE}`)

    step('The official v2 client (@x402/fetch + @x402/evm) pays')
    const wire = loggingFetch({ symbol: SYMBOL, decimals: chain.tokenInfo.decimals })
    const client = new x402Client()
    registerExactEvmScheme(client, { signer: buyer, networks: ['eip155:84532'] })
    client.setSpendControls({ allowedAssets: [{ network: 'eip155:84532', asset: chain.token, maxAmountPerPayment: PRICE.toString() }] })
    const paid = await wrapFetchWithPayment(wire.fetch, client)(resource)
    const text = await paid.text()
    line('status', `${paid.status} ${paid.statusText}`)
    line('body', `${text} ${dim('(written by Python)')}`)
    check(paid.status === 200 && text.includes('"served_by": "python"'), `expected the Python answer after paying, got ${paid.status}: ${text}`)
    const settlement = decodeBase64Json<{ success: boolean; transaction: string }>(paid.headers.get('payment-response') ?? '')
    check(settlement.success, 'the paid answer carries no successful settlement')

    step('Settlement transaction')
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: settlement.transaction as Hash })
    line('tx', settlement.transaction)
    line('block', `${receipt.blockNumber} ${dim(`(status ${receipt.status}, sent by the settler ${receipt.from})`)}`)
    check(receipt.status === 'success', 'the settlement transaction reverted')

    step('Balances after')
    const after = await balances()
    line('buyer', `${usdc(before.buyer)} → ${usdc(after.buyer)}`)
    line('seller', `${usdc(before.seller)} → ${usdc(after.seller)}`)
    check(before.buyer - after.buyer === PRICE && after.seller - before.seller === PRICE, 'the balances did not move by exactly the price')
    note(green(`✓ both balances moved by exactly the price (${usdc(PRICE)})`))

    step('SIGTERM: the gateway lets requests in flight finish, then exits')
    gateway.child.kill('SIGTERM')
    const code = await gateway.exited(30_000)
    line('exit code', String(code))
    check(code === 0, `the gateway exited ${code}`)

    console.log(`\n${bold('Done')} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`)
  } finally {
    await gateway?.stop().catch(() => undefined)
    await upstream?.stop().catch(() => undefined)
    await chain?.stop().catch(() => undefined)
  }
}

runDemo(run)
