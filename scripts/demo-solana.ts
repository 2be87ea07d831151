/**
 * `npm run demo -- --solana` (or `tsx scripts/demo-solana.ts`): an embedded Solana stand-in chain
 * (litesvm behind a JSON-RPC server), a tollgate Express seller settling with its own fee payer,
 * and a buyer paying GET /weather with a transaction laid out as the official @x402/svm client lays
 * it out; every step printed. Exits 0 when the payment went through and both token balances moved
 * by exactly the price; 1 otherwise.
 */
import { createServer } from 'node:http'
import { getBase58Decoder, getBase64Encoder, getCompiledTransactionMessageDecoder, getTransactionDecoder, type Address } from '@solana/kit'
import express from 'express'
import { tollgate } from '../adapters/express.js'
import { solanaSettler } from '../src/chains/solana/index.js'
import { memoryStore } from '../src/index.js'
import { listenOnLoopback, type TestServer } from '../test/support/http.js'
import { startSolanaStandIn, type SolanaStandIn } from '../test/support/solana/stand-in.js'
import { paymentTransaction, rpc, v2PaymentHeader } from '../test/support/solana/transfer.js'
import { bold, decodeBase64Json, dim, formatUnits, green, line, note, step } from './demo/print.js'
import { check, runDemo } from './demo/outcome.js'

const PRICE = 10_000n // 0.01 of a 6-decimal mint
const SYMBOL = 'tUSDC'
const COMPUTE_BUDGET = 'ComputeBudget111111111111111111111111111111'


interface Requirement {
  scheme: string
  network: string
  amount: string
  asset: string
  payTo: string
  maxTimeoutSeconds: number
  extra?: { feePayer?: string; recentBlockhash?: string; lastValidBlockHeight?: number; memo?: string }
}

/** The instructions of a wire transaction, one readable line each. */
function describeTransaction(base64: string): { feePayer: string; signed: string[]; unsigned: string[]; lines: string[]; blockhash: string } {
  const tx = getTransactionDecoder().decode(getBase64Encoder().encode(base64))
  const message = getCompiledTransactionMessageDecoder().decode(tx.messageBytes) as unknown as {
    staticAccounts: string[]
    lifetimeToken: string
    instructions: { programAddressIndex: number; accountIndices?: number[]; data?: Uint8Array }[]
  }
  const signed = Object.entries(tx.signatures).filter(([, s]) => s !== null).map(([a]) => a)
  const unsigned = Object.entries(tx.signatures).filter(([, s]) => s === null).map(([a]) => a)
  const lines = message.instructions.map((ix) => {
    const program = message.staticAccounts[ix.programAddressIndex]!
    const data = ix.data ?? new Uint8Array()
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
    const accounts = (ix.accountIndices ?? []).map((i) => message.staticAccounts[i]!)
    if (program === COMPUTE_BUDGET && data[0] === 2) return `SetComputeUnitLimit   ${view.getUint32(1, true)} units`
    if (program === COMPUTE_BUDGET && data[0] === 3) return `SetComputeUnitPrice   ${view.getBigUint64(1, true)} µlamports/unit`
    if (data[0] === 12 && accounts.length >= 4) {
      return `TransferChecked       ${view.getBigUint64(1, true)} units (${data[9]} decimals) ${accounts[0]!.slice(0, 6)}… → ${accounts[2]!.slice(0, 6)}… (ATA of payTo), authority ${accounts[3]!.slice(0, 6)}…`
    }
    if (program.startsWith('Memo')) return `Memo                  "${new TextDecoder().decode(data)}"`
    return `${program} (${data.length} bytes)`
  })
  return { feePayer: message.staticAccounts[0]!, signed, unsigned, lines, blockhash: message.lifetimeToken }
}

async function run(): Promise<void> {
  const startedAt = Date.now()
  console.log(bold('tollgate demo: a buyer pays a tollgate Express seller in a Solana token, on an embedded stand-in chain'))
  let sol: SolanaStandIn | undefined
  let server: TestServer | undefined
  try {
    step('Local Solana chain')
    sol = await startSolanaStandIn()
    const chain = sol
    const units = (atomic: bigint) => `${formatUnits(atomic, chain.decimals)} ${SYMBOL}`
    const buyer = await chain.fundBuyer({ amount: 100_000_000n })
    const seller = await chain.newSeller()
    line('stand-in', `${chain.url} ${dim('(litesvm behind JSON-RPC, posing as devnet)')}`)
    line('network', `${chain.network} ${dim(`(v1 name ${chain.v1Network})`)}`)
    line('mint', `${chain.mint} ${dim(`(SPL Token, ${chain.decimals} decimals, called ${SYMBOL} here)`)}`)
    line('buyer', `${buyer.address} ${dim(`(holds ${units((await chain.tokenBalance(buyer.address))!)}, no SOL)`)}`)
    line('seller', `${seller.address} ${dim('(payTo: the owner wallet; its token account exists)')}`)
    line('fee payer', `${chain.feePayer.address} ${dim(`(the seller's own key, ${formatUnits(await chain.solBalance(chain.feePayer.address), 9)} SOL)`)}`)

    step('Seller')
    const settler = solanaSettler({ secretKey: chain.feePayer.secretKey, rpcUrl: chain.url })
    const readiness = await settler.ready()
    const gate = tollgate({ payTo: seller.address, settler, store: memoryStore() })
    const app = express()
    app.get('/weather', gate.paywall({ amount: '0.01', network: chain.network, asset: { address: chain.mint, decimals: chain.decimals } }), (_req, res) => {
      res.json({ report: 'sunny', temperature: 21 })
    })
    server = await listenOnLoopback(createServer(app))
    const resource = `${server.url}/weather`
    line('express', `${resource} ${dim('(tollgate/express + solanaSettler from tollgate/solana)')}`)
    line('price', `GET /weather costs ${units(PRICE)}`)
    line('ready()', readiness.ok ? 'fee payer holds SOL, seller token account exists' : readiness.problems.join('; '))

    const balances = async () => ({
      buyer: (await chain.tokenBalance(buyer.address))!,
      seller: (await chain.tokenBalance(seller.address))!,
      feePayer: await chain.solBalance(chain.feePayer.address),
    })
    step('Balances before')
    const before = await balances()
    line('buyer', units(before.buyer))
    line('seller', units(before.seller))

    step('Unpaid request: GET /weather')
    const unpaid = await fetch(resource)
    note(`← ${unpaid.status} ${unpaid.statusText}`)
    check(unpaid.status === 402, `expected 402 without payment, got ${unpaid.status}`)
    const header = unpaid.headers.get('payment-required')
    check(header, 'the 402 has no PAYMENT-REQUIRED header')
    const required = decodeBase64Json<{ x402Version: number; resource?: { url: string }; accepts: Requirement[] }>(header)
    const offer = required.accepts.find((a) => a.network === chain.network)
    check(offer, `PAYMENT-REQUIRED lists no option on ${chain.network}`)
    note(`PAYMENT-REQUIRED header ${dim(`(x402Version ${required.x402Version}, resource ${required.resource?.url})`)}`)
    line('  scheme', `${offer.scheme} on ${offer.network}`)
    line('  amount', `${offer.amount} ${dim(`(${units(BigInt(offer.amount))})`)}`)
    line('  asset', `${offer.asset} ${dim('(the mint)')}`)
    line('  payTo', offer.payTo)
    line('  feePayer', `${offer.extra?.feePayer} ${dim('(the seller pays the fee)')}`)
    if (offer.extra?.recentBlockhash) line('  blockhash', `${offer.extra.recentBlockhash} ${dim(`(hint, valid to height ${offer.extra.lastValidBlockHeight})`)}`)
    const v1 = ((await unpaid.json()) as { x402Version?: number; accepts?: { network: string; maxAmountRequired: string }[] }).accepts?.find((a) => a.network === chain.v1Network)
    if (v1) note(`JSON body ${dim('(protocol v1)')}: exact on ${v1.network}, maxAmountRequired ${v1.maxAmountRequired}`)
    check(offer.amount === PRICE.toString(), `the challenge asks ${offer.amount}, expected ${PRICE}`)
    check(offer.payTo === seller.address, `the challenge pays ${offer.payTo}, expected ${seller.address}`)
    check(offer.extra?.feePayer === chain.feePayer.address, 'the challenge does not name the seller fee payer')

    step('The buyer signs a payment transaction')
    const transaction = await paymentTransaction(chain, { buyer, payTo: offer.payTo as Address, amount: BigInt(offer.amount), feePayer: offer.extra.feePayer as Address, blockhash: offer.extra.recentBlockhash })
    const summary = describeTransaction(transaction)
    line('fee payer', `${summary.feePayer} ${dim('(slot left empty: the seller signs at settlement)')}`)
    line('signed by', summary.signed.join(', '))
    line('blockhash', summary.blockhash)
    summary.lines.forEach((text, i) => line(`  ix ${i}`, text))
    line('size', `${transaction.length} base64 characters`)
    check(summary.unsigned.includes(chain.feePayer.address) && summary.signed.includes(buyer.address), 'the buyer should sign and the fee payer slot stay empty')

    step('Paid retry: GET /weather with PAYMENT-SIGNATURE')
    const paid = await fetch(resource, { headers: { 'payment-signature': v2PaymentHeader(transaction, { ...offer }, required.resource) } })
    line('status', `${paid.status} ${paid.statusText}`)
    const paidText = await paid.text()
    line('body', paidText.length > 120 ? `${paidText.slice(0, 117)}...` : paidText)
    check(paid.status === 200, `expected 200 after paying, got ${paid.status}: ${paidText}`)
    const responseHeader = paid.headers.get('payment-response')
    check(responseHeader, 'the paid response has no PAYMENT-RESPONSE header')
    const settlement = decodeBase64Json<{ success: boolean; transaction: string; network: string; payer?: string }>(responseHeader)
    line('PAYMENT-RESPONSE', `success ${settlement.success}, network ${settlement.network}, payer ${settlement.payer}`)
    check(settlement.success && /^[1-9A-HJ-NP-Za-km-z]{64,88}$/.test(settlement.transaction), `settlement failed: ${responseHeader}`)

    step('Settlement transaction')
    const tx = await rpc<{ slot: number; meta: { err: unknown; fee: number } }>(chain.url, 'getTransaction', [settlement.transaction, { maxSupportedTransactionVersion: 0 }])
    line('signature', settlement.transaction)
    line('slot', `${tx.slot} ${dim(`(err ${JSON.stringify(tx.meta.err)}, fee ${tx.meta.fee} lamports paid by the seller's fee payer)`)}`)
    check(tx.meta.err === null, `settlement transaction failed on chain: ${JSON.stringify(tx.meta.err)}`)
    const landed = await rpc<{ transaction: [string, string] }>(chain.url, 'getTransaction', [settlement.transaction, { encoding: 'base64', maxSupportedTransactionVersion: 0 }])
    const signatureOf = (base64: string, signer: Address) => {
      const bytes = getTransactionDecoder().decode(getBase64Encoder().encode(base64)).signatures[signer]
      return bytes ? getBase58Decoder().decode(bytes) : null
    }
    const buyerSignature = signatureOf(transaction, buyer.address)
    check(buyerSignature && signatureOf(landed.transaction[0], buyer.address) === buyerSignature, "the settled transaction does not carry the buyer's signature")
    check(signatureOf(landed.transaction[0], chain.feePayer.address) === settlement.transaction, "the settled transaction's id is not the fee payer's signature")
    note(dim(`same message and buyer signature (${buyerSignature.slice(0, 12)}…) as signed in step 5; the seller only added the fee payer's`))

    step('Balances after')
    const after = await balances()
    const moved = (name: string, from: bigint, to: bigint) => line(name, `${units(from)} → ${units(to)} ${dim(`(${to - from >= 0n ? '+' : ''}${formatUnits(to - from, chain.decimals)})`)}`)
    moved('buyer', before.buyer, after.buyer)
    moved('seller', before.seller, after.seller)
    line('fee payer', `${before.feePayer - after.feePayer} lamports spent ${dim('(the network fee, nothing else)')}`)
    check(before.buyer - after.buyer === PRICE, `the buyer paid ${before.buyer - after.buyer} atomic units, expected ${PRICE}`)
    check(after.seller - before.seller === PRICE, `the seller received ${after.seller - before.seller} atomic units, expected ${PRICE}`)
    check(before.feePayer - after.feePayer === BigInt(tx.meta.fee), 'the fee payer spent more than the fee')

    step('The same payment again')
    const replay = await fetch(resource, { headers: { 'payment-signature': v2PaymentHeader(transaction, { ...offer }, required.resource) } })
    line('status', `${replay.status} ${replay.statusText} ${dim('(a payment is served once)')}`)
    check(replay.status !== 200, 'the same payment was served twice')
    check((await chain.tokenBalance(buyer.address)) === after.buyer, 'the replay moved tokens')
    note(green(`✓ both balances moved by exactly the price (${PRICE} atomic units = ${units(PRICE)}), once`))

    console.log(`\n${bold('Done')} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`)
  } finally {
    await server?.close().catch(() => undefined)
    await sol?.stop().catch(() => undefined)
  }
}

runDemo(run)
