/**
 * `tollgate gateway` flags, and how they combine with a configuration file: flags name the
 * simple case completely (`--target --pay-to --price --network`) and override the file's
 * listen address, target, payee and settlement for the rest.
 */
import { parseArgs } from 'node:util'
import { isRecord } from '../../src/config/config-shape.js'
import { readConfigFile } from './read-config.js'

export const GATEWAY_USAGE = `usage: tollgate gateway --target <url> --pay-to <address> --price <decimal> --network <name> [options]
       tollgate gateway --config tollgate.config.yaml [options]

  --config <file>          routes, store, prepaid, limits, metrics, health (.json, .yaml)
  --target <url>           the upstream API, e.g. http://127.0.0.1:8000
  --pay-to <address>       the address that receives payments
  --price <decimal>        one price for every path (with --network), e.g. 0.01
  --network <name>         e.g. base, base-sepolia, eip155:8453
  --host <host>            listen address (default 127.0.0.1)
  --port <port>            listen port (default 4021; 0 picks a free one)
  --rpc-url <url>          the settler's RPC endpoint (better: the TOLLGATE_RPC_URL environment variable)
  --settler-key-env <name> environment variable holding the settler's key (default TOLLGATE_SETTLER_KEY)
  --facilitator <url>      settle through an x402 facilitator instead of a settler key
  --redis <url>            a shared Redis store instead of the in-process one
  --unmatched <refuse|proxy>  paths no route matches: 404 (default) or forwarded free

Signals: SIGHUP reloads the configuration file (a bad one keeps the running configuration),
SIGTERM stops taking requests, lets those in flight (and their settlements) finish, and exits 0.`

export interface GatewayArgs {
  help: boolean
  file?: string
  /** The configuration as read, flags applied; checked by checkGatewayConfig. */
  raw: Record<string, unknown>
  problems: string[]
}

const OPTIONS = {
  config: { type: 'string' },
  target: { type: 'string' },
  'pay-to': { type: 'string' },
  price: { type: 'string' },
  network: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'rpc-url': { type: 'string' },
  'settler-key-env': { type: 'string' },
  facilitator: { type: 'string' },
  redis: { type: 'string' },
  unmatched: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Parses the flags; a usage mistake comes back as problems, a file that cannot be read throws ConfigFileError. */
export async function readGatewayArgs(argv: readonly string[]): Promise<GatewayArgs> {
  let values: ReturnType<typeof parse>['values']
  try {
    values = parse(argv).values
  } catch (error) {
    return { help: false, raw: {}, problems: [(error as Error).message] }
  }
  if (values.help) return { help: true, raw: {}, problems: [] }
  const file = values.config
  const read = file === undefined ? {} : await readConfigFile(file)
  return { help: false, ...(file === undefined ? {} : { file }), ...applyFlags(read, values) }
}

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false })
}

function applyFlags(read: unknown, values: ReturnType<typeof parse>['values']): { raw: Record<string, unknown>; problems: string[] } {
  const problems: string[] = []
  if (!isRecord(read)) return { raw: {}, problems: ['the configuration file must hold an object (keys such as target, routes)'] }
  const raw: Record<string, unknown> = { ...read }
  if (values.target !== undefined) raw.target = values.target
  if (values['pay-to'] !== undefined) raw.payTo = values['pay-to']
  if (values.host !== undefined || values.port !== undefined) {
    const listen = isRecord(raw.listen) ? { ...raw.listen } : {}
    if (values.host !== undefined) listen.host = values.host
    if (values.port !== undefined) listen.port = /^\d+$/.test(values.port) ? Number(values.port) : values.port
    raw.listen = listen
  }
  if (values.facilitator !== undefined) raw.facilitator = values.facilitator
  if (values['rpc-url'] !== undefined || values['settler-key-env'] !== undefined) {
    const settler = isRecord(raw.settler) ? { ...raw.settler } : {}
    if (values['rpc-url'] !== undefined) settler.rpcUrl = values['rpc-url']
    if (values['settler-key-env'] !== undefined) settler.privateKeyEnv = values['settler-key-env']
    raw.settler = settler
  }
  if (values.redis !== undefined) raw.store = { ...(isRecord(raw.store) ? raw.store : {}), redis: values.redis }
  if (values.unmatched !== undefined) raw.unmatched = values.unmatched
  if (values.price !== undefined || values.network !== undefined) {
    if (raw.routes !== undefined) problems.push('--price and --network make one route for every path, but the configuration file already lists routes')
    else if (values.price === undefined || values.network === undefined) problems.push('--price and --network go together (one price on one network for every path)')
    else raw.routes = [{ method: '*', path: '/*', price: values.price, network: values.network }]
  }
  return { raw, problems }
}
