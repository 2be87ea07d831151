import type { Address, Hex, PublicClient } from 'viem'
import { lazyPublicClient } from '../chains/evm/lazy-client.js'
import type { StoredReceipt } from './receipt.js'
import type { ReceiptStore } from './receipt-store.js'
import type { ChainTransfer, Discrepancy, LedgerSide, ReconcileReport } from './reconcile-report.js'

// The ABI item written out (what parseAbiItem would give): tollgate/receipts loads viem only when a reconciliation runs.
const TRANSFER = {
  type: 'event',
  name: 'Transfer',
  inputs: [
    { type: 'address', name: 'from', indexed: true },
    { type: 'address', name: 'to', indexed: true },
    { type: 'uint256', name: 'value', indexed: false },
  ],
} as const
const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'

export interface ReconcileOptions {
  /** The ledger (only its `list` is read). */
  receipts: Pick<ReceiptStore, 'list'>
  /** A JSON-RPC endpoint of the network, or… */
  rpcUrl?: string
  /** …a viem PublicClient. */
  client?: PublicClient
  /** CAIP-2 id of the network, as receipts store it (e.g. 'eip155:8453'). */
  network: string
  /** The token contract. */
  asset: string
  /** The payees whose incoming transfers are compared. */
  payTo: string[]
  fromBlock: bigint
  toBlock: bigint
  /** Receipts recorded this long before the first block's time or after the last one's are read too (default 1 hour). */
  ledgerSlackMs?: number
  /** Blocks per `eth_getLogs` request (default 2000). */
  blockSpan?: bigint
}

const lower = (s: string) => s.toLowerCase()

/**
 * Compares the ledger with the chain over [fromBlock, toBlock]: every `Transfer` of `asset` to a
 * payee against the receipts recorded around that time (the blocks' times ± `ledgerSlackMs`). A
 * settled receipt whose transaction was mined outside the range is left to the run that covers it;
 * one whose transaction is found nowhere is reported by every run whose time window holds it.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const { fromBlock, toBlock } = options
  if (fromBlock < 0n || toBlock < fromBlock) throw new RangeError('tollgate: reconcile needs 0 <= fromBlock <= toBlock')
  if (options.payTo.length === 0) throw new TypeError('tollgate: reconcile needs at least one payTo address')
  if (!options.client && !options.rpcUrl) throw new TypeError('tollgate: reconcile needs rpcUrl or client')
  const client: PublicClient = options.client ?? (await lazyPublicClient(options.rpcUrl as string)())
  const asset = lower(options.asset)
  const payees = new Set(options.payTo.map(lower))

  const onChain = await transfersTo(client, options, payees)
  const [first, last] = await Promise.all([client.getBlock({ blockNumber: fromBlock }), client.getBlock({ blockNumber: toBlock })])
  const slack = options.ledgerSlackMs ?? 3_600_000
  const rows = await options.receipts.list({
    network: options.network,
    from: new Date(Number(first.timestamp) * 1000 - slack),
    to: new Date(Number(last.timestamp) * 1000 + slack + 1000),
    limit: 1_000_000,
  })
  const ledger = rows.filter((r) => lower(r.asset) === asset && r.payTo !== null && payees.has(lower(r.payTo)))
  const byTransaction = new Map(ledger.filter((r) => r.transaction).map((r) => [lower(r.transaction!), r]))

  const discrepancies: Discrepancy[] = []
  let matched = 0
  for (const [transaction, transfer] of onChain) {
    const row = byTransaction.get(transaction)
    byTransaction.delete(transaction)
    if (!row) discrepancies.push({ kind: 'missing_from_ledger', transaction, chain: transfer })
    else if (row.state !== 'settled') discrepancies.push({ kind: 'unresolved_in_ledger', transaction, chain: transfer, ledger: side(row) })
    else if (row.amount !== transfer.amount || lower(row.payer) !== transfer.from || lower(row.payTo ?? '') !== transfer.to) {
      discrepancies.push({ kind: 'amount_mismatch', transaction, chain: transfer, ledger: side(row) })
    } else matched++
  }
  // Settled receipts with no transfer in the range: missing unless their transaction lies in another range.
  for (const row of ledger) {
    if (row.state !== 'settled') continue
    const transaction = row.transaction ? lower(row.transaction) : null
    if (transaction !== null && !byTransaction.has(transaction)) continue
    if (transaction !== null && (await minedOutside(client, transaction as Hex, options, asset))) continue
    discrepancies.push({ kind: 'missing_on_chain', transaction, ledger: side(row) })
  }
  return {
    network: options.network,
    asset: options.asset,
    payTo: options.payTo,
    fromBlock: fromBlock.toString(),
    toBlock: toBlock.toString(),
    matched,
    discrepancies,
    ok: discrepancies.length === 0,
  }
}

/** Incoming transfers per transaction (a transaction's transfers to one payee summed). */
async function transfersTo(client: PublicClient, options: ReconcileOptions, payees: Set<string>): Promise<Map<string, ChainTransfer>> {
  const span = options.blockSpan ?? 2000n
  const found = new Map<string, ChainTransfer>()
  for (let start = options.fromBlock; start <= options.toBlock; start += span) {
    const end = start + span - 1n < options.toBlock ? start + span - 1n : options.toBlock
    const logs = await client.getLogs({ address: options.asset as Address, event: TRANSFER, args: { to: [...payees] as Address[] }, fromBlock: start, toBlock: end })
    for (const log of logs) {
      const { from, to, value } = log.args
      if (!from || !to || value === undefined || !log.transactionHash || log.blockNumber === null) continue
      const transaction = lower(log.transactionHash)
      const previous = found.get(transaction)
      const amount = (previous ? BigInt(previous.amount) : 0n) + value
      found.set(transaction, { transaction, blockNumber: log.blockNumber.toString(), from: lower(from), to: lower(to), amount: amount.toString() })
    }
  }
  return found
}

/** True when the transaction was mined outside [fromBlock, toBlock] with a transfer of the asset (another run's business). */
async function minedOutside(client: PublicClient, hash: Hex, options: ReconcileOptions, asset: string): Promise<boolean> {
  const receipt = await client.getTransactionReceipt({ hash }).catch(() => null)
  if (!receipt || receipt.status !== 'success') return false
  if (receipt.blockNumber >= options.fromBlock && receipt.blockNumber <= options.toBlock) return false
  return receipt.logs.some((l) => lower(l.address) === asset && l.topics[0] === TRANSFER_TOPIC)
}

function side(row: StoredReceipt): LedgerSide {
  return {
    paymentKey: row.paymentKey,
    state: row.state,
    payer: row.payer,
    payTo: row.payTo,
    amount: row.amount,
    transaction: row.transaction,
    recordedAt: row.recordedAt.toISOString(),
  }
}
