import { parseArgs } from 'node:util'
import { postgresReceipts } from './postgres-receipts.js'
import { reconcile } from './reconcile.js'
import { reconcileTable } from './reconcile-report.js'

export interface CliIo {
  out(text: string): void
  err(text: string): void
  env: Record<string, string | undefined>
}

const USAGE = `usage: tollgate reconcile --from-block N --to-block N --network eip155:<chainId> --asset 0x… --pay-to 0x…[,0x…]
                          [--rpc-url URL (or TOLLGATE_RPC_URL)] [--database-url URL (or DATABASE_URL)] [--table name] [--json]
exit code: 0 ledger and chain agree, 1 discrepancies found, 2 usage or connection error
`

/** `tollgate reconcile …`: returns the exit code (the bin calls process.exit with it). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv
  if (command !== 'reconcile') {
    io.err(USAGE)
    return 2
  }
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      args: rest,
      options: {
        'from-block': { type: 'string' },
        'to-block': { type: 'string' },
        network: { type: 'string' },
        asset: { type: 'string' },
        'pay-to': { type: 'string' },
        'rpc-url': { type: 'string' },
        'database-url': { type: 'string' },
        table: { type: 'string' },
        json: { type: 'boolean' },
      },
    }))
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`)
    return 2
  }
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined)
  const rpcUrl = text('rpc-url') ?? io.env.TOLLGATE_RPC_URL
  const connectionString = text('database-url') ?? io.env.DATABASE_URL
  const from = text('from-block')
  const to = text('to-block')
  const missing = [
    ['--from-block', from],
    ['--to-block', to],
    ['--network', text('network')],
    ['--asset', text('asset')],
    ['--pay-to', text('pay-to')],
    ['--rpc-url', rpcUrl],
    ['--database-url', connectionString],
  ].filter(([, v]) => !v)
  if (missing.length > 0 || !/^\d+$/.test(from ?? '') || !/^\d+$/.test(to ?? '')) {
    io.err(`${missing.length > 0 ? `missing ${missing.map(([n]) => n).join(', ')}` : 'block numbers must be decimal integers'}\n${USAGE}`)
    return 2
  }
  const ledger = postgresReceipts({ connectionString: connectionString!, ...(text('table') ? { table: text('table')! } : {}) })
  try {
    const report = await reconcile({
      receipts: ledger.store,
      rpcUrl: rpcUrl!,
      network: text('network')!,
      asset: text('asset')!,
      payTo: text('pay-to')!.split(',').map((s) => s.trim()).filter(Boolean),
      fromBlock: BigInt(from!),
      toBlock: BigInt(to!),
    })
    io.out(values.json ? `${JSON.stringify(report, null, 2)}\n` : reconcileTable(report))
    return report.ok ? 0 : 1
  } catch (error) {
    io.err(`tollgate reconcile failed: ${(error as Error).message}\n`)
    return 2
  } finally {
    await ledger.close(0)
  }
}
