/**
 * `npm run demo`: a local chain, the Express example seller, and the official x402 v2 client buying
 * GET /weather from it, every step printed. Exits 0 when the payment went through and both balances
 * moved by exactly the price; 1 otherwise.
 */
import { registerExactEvmScheme } from '@x402/evm/exact/client'
import { wrapFetchWithPayment, x402Client } from '@x402/fetch'
import { getAddress, type Hash } from 'viem'
import { startExampleServer, type ExampleServer } from '../examples/express/server.js'
import { startTestChain, type TestChain } from '../test/support/chain.js'
import { loggingFetch } from './demo/logging-fetch.js'
import { bold, decodeBase64Json, dim, formatUnits, green, line, note, step } from './demo/print.js'
import { exampleEnv } from '../test/support/example-env.js'
import { check, runDemo } from './demo/outcome.js'

const PRICE = 10_000n // 0.01 with 6 decimals: what the example seller charges for /weather
const SYMBOL = 'USDC'


interface PaymentRequiredV2 {
  x402Version: number
  resource?: { url: string }
  accepts: { scheme: string; network: string; amount: string; asset: string; payTo: string }[]
}
interface PaymentRequiredV1 {
  x402Version: number
  accepts?: { scheme: string; network: string; maxAmountRequired: string }[]
}
interface SettleResponse {
  success: boolean
  transaction: string
  network: string
  payer?: string
}

async function run(): Promise<void> {
  const startedAt = Date.now()
  console.log(bold('tollgate demo: the official x402 v2 client buys from an Express seller on a local chain'))
  let chain: TestChain | undefined
  let seller: ExampleServer | undefined
  try {
    step('Local chain')
    chain = await startTestChain()
    const { token, tokenInfo } = chain
    const buyer = chain.accounts.buyers[0]!
    const sellerAddress = chain.accounts.seller.address
    const usdc = (atomic: bigint) => `${formatUnits(atomic, tokenInfo.decimals)} ${SYMBOL}`
    line('anvil', `${chain.rpcUrl} ${dim(`(chain id ${chain.chainId}, standing in for base-sepolia)`)}`)
    line('token', `${token} ${dim(`(EIP-3009, EIP-712 "${tokenInfo.name}" v${tokenInfo.version}, ${tokenInfo.decimals} decimals)`)}`)
    line('buyer', `${buyer.address} ${dim(`(funded with ${usdc(await chain.balanceOf(buyer.address))})`)}`)
    line('seller', `${sellerAddress} ${dim('(payTo)')}`)
    line('settler', `${chain.accounts.settler.address} ${dim('(submits the transfer, pays the gas)')}`)

    step('Seller')
    seller = await startExampleServer({ ...exampleEnv(chain), NETWORK: 'base-sepolia', HOST: '127.0.0.1' })
    const resource = `${seller.url}/weather`
    line('example', `examples/express/server.ts on ${seller.url}`)
    line('price', `GET /weather costs ${usdc(PRICE)}; GET /health is free`)

    const balances = async () => ({ buyer: await chain!.balanceOf(buyer.address), seller: await chain!.balanceOf(sellerAddress) })
    step('Balances before')
    const before = await balances()
    const width = Math.max(usdc(before.buyer).length, usdc(before.seller).length)
    line('buyer', usdc(before.buyer).padStart(width))
    line('seller', usdc(before.seller).padStart(width))

    step('Unpaid request: GET /weather with plain fetch')
    const unpaid = await fetch(resource)
    note(`← ${unpaid.status} ${unpaid.statusText}`)
    check(unpaid.status === 402, `expected 402 without payment, got ${unpaid.status}`)
    const requiredHeader = unpaid.headers.get('payment-required')
    check(requiredHeader, 'the 402 has no PAYMENT-REQUIRED header')
    const required = decodeBase64Json<PaymentRequiredV2>(requiredHeader)
    const offer = required.accepts[0]
    check(offer, 'PAYMENT-REQUIRED lists no payment option')
    note(`PAYMENT-REQUIRED header ${dim(`(protocol v2, x402Version ${required.x402Version}, resource ${required.resource?.url})`)}`)
    line('  scheme', `${offer.scheme} on ${offer.network}`)
    line('  amount', `${offer.amount} ${dim(`(${usdc(BigInt(offer.amount))})`)}`)
    line('  asset', offer.asset)
    line('  payTo', offer.payTo)
    const body = (await unpaid.json()) as PaymentRequiredV1
    const v1 = body.accepts?.[0]
    note(
      `JSON body ${dim('(protocol v1)')}: x402Version ${body.x402Version}, ${body.accepts?.length ?? 0} option(s) in accepts` +
        (v1 ? ` ${dim(`(${v1.scheme} on ${v1.network}, maxAmountRequired ${v1.maxAmountRequired})`)}` : ''),
    )
    check(offer.amount === PRICE.toString(), `the challenge asks ${offer.amount}, expected ${PRICE}`)
    check(offer.payTo.toLowerCase() === sellerAddress.toLowerCase(), `the challenge pays ${offer.payTo}, expected ${sellerAddress}`)

    step('The official v2 client (@x402/fetch + @x402/evm) pays')
    const wire = loggingFetch({ symbol: SYMBOL, decimals: tokenInfo.decimals })
    const client = new x402Client()
    registerExactEvmScheme(client, { signer: buyer, networks: ['eip155:84532'] })
    // The client pays only well-known assets by default; the local token has to be allowed explicitly.
    client.setSpendControls({ allowedAssets: [{ network: 'eip155:84532', asset: token, maxAmountPerPayment: PRICE.toString() }] })
    const pay = wrapFetchWithPayment(wire.fetch, client)
    const paid = await pay(resource)

    step('Paid retry')
    const signed = wire.payments[0]
    check(signed, 'the client sent no PAYMENT-SIGNATURE')
    check(wire.payments.length === 1, `the client signed ${wire.payments.length} payments, expected 1`)
    line('status', `${paid.status} ${paid.statusText}`)
    const paidText = await paid.text()
    line('body', paidText.length > 120 ? `${paidText.slice(0, 117)}...` : paidText)
    check(paid.status === 200, `expected 200 after paying, got ${paid.status}: ${paidText}`)
    const responseHeader = paid.headers.get('payment-response')
    check(responseHeader, 'the paid response has no PAYMENT-RESPONSE header')
    const settlement = decodeBase64Json<SettleResponse>(responseHeader)
    line('PAYMENT-RESPONSE', `success ${settlement.success}, network ${settlement.network}, payer ${settlement.payer}`)
    check(settlement.success && /^0x[0-9a-fA-F]{64}$/.test(settlement.transaction), `settlement failed: ${responseHeader}`)

    step('Settlement transaction')
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: settlement.transaction as Hash })
    line('tx', settlement.transaction)
    line('block', `${receipt.blockNumber} ${dim(`(status ${receipt.status}, gas used ${receipt.gasUsed}, sent by ${getAddress(receipt.from)})`)}`)
    check(receipt.status === 'success', `settlement transaction ${settlement.transaction} reverted`)
    check(
      receipt.from.toLowerCase() === chain.accounts.settler.address.toLowerCase(),
      `settlement was sent by ${receipt.from}, expected the settler ${chain.accounts.settler.address}`,
    )

    step('Balances after')
    const after = await balances()
    const moved = (name: string, from: bigint, to: bigint) => {
      const delta = to - from
      line(name, `${usdc(from).padStart(width)} → ${usdc(to).padStart(width)} ${dim(`(${delta >= 0n ? '+' : ''}${formatUnits(delta, tokenInfo.decimals)})`)}`)
    }
    moved('buyer', before.buyer, after.buyer)
    moved('seller', before.seller, after.seller)
    check(before.buyer - after.buyer === PRICE, `the buyer paid ${before.buyer - after.buyer} atomic units, expected ${PRICE}`)
    check(after.seller - before.seller === PRICE, `the seller received ${after.seller - before.seller} atomic units, expected ${PRICE}`)
    check(BigInt(signed.payload.authorization.value) === PRICE, 'the signed value differs from the price')
    check(signed.payload.authorization.from.toLowerCase() === buyer.address.toLowerCase(), 'the signed payment is not from the buyer')
    note(green(`✓ both balances moved by exactly the price (${PRICE} atomic units = ${usdc(PRICE)})`))

    console.log(`\n${bold('Done')} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`)
  } finally {
    await seller?.close().catch(() => undefined)
    await chain?.stop().catch(() => undefined)
  }
}

// `npm run demo -- --solana` and `-- --gateway` show the other flows; each script runs when imported.
const other = process.argv.includes('--solana') ? './demo-solana.js' : process.argv.includes('--gateway') ? './demo-gateway.js' : undefined
if (other) await import(other)
else
  runDemo(run)
