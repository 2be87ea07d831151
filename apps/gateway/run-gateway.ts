/**
 * The `tollgate gateway` process: check the whole configuration (one error listing every
 * problem), build the shared parts and the first generation, listen, print the summary. SIGHUP
 * re-reads the configuration and swaps in a new generation (a bad one is refused and the running
 * one kept); SIGTERM stops taking connections, lets every request in flight finish (a held answer
 * finishes when its settlement does) and exits 0.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from '../../src/index.js'
import { checkGatewayConfig, type Env } from './config-problems.js'
import { GATEWAY_USAGE, readGatewayArgs } from './gateway-args.js'
import { buildGeneration, type Generation } from './gateway-app.js'
import type { GatewayConfig } from './gateway-config.js'
import { ConfigFileError } from './read-config.js'
import { buildShared, restartOnly, type SharedParts } from './shared-parts.js'
import { summaryLines } from './summary.js'

export interface GatewayIo {
  out(text: string): void
  err(text: string): void
  env: Env
  /** Subscribes to a process signal (process.on in the command). */
  onSignal(signal: 'SIGHUP' | 'SIGTERM' | 'SIGINT', listener: () => void): void
}

interface Live {
  generation: Generation
  inFlight: number
  retired: boolean
}

/** Runs the gateway until it is stopped; resolves with the process's exit code. */
export async function runGateway(argv: readonly string[], io: GatewayIo): Promise<number> {
  const logger = streamLogger(io.err)
  const loaded = await load(argv, io)
  if (typeof loaded === 'number') return loaded
  const { config } = loaded

  const problems: string[] = []
  const shared = await buildShared(config, io.env, logger, problems)
  const first = shared && (await buildGeneration(config, shared, io.env, logger, problems))
  if (!shared || !first) {
    await shared?.close()
    io.err(invalid(problems))
    return 2
  }

  const generations = new Set<Live>()
  let current: Live = { generation: first, inFlight: 0, retired: false }
  generations.add(current)
  let stopping = false
  const server = createServer((req, res) => {
    const live = current
    live.inFlight++
    if (stopping) res.setHeader('connection', 'close')
    res.once('close', () => {
      live.inFlight--
      if (live.retired && live.inFlight === 0) void retire(live)
      if (stopping) drained()
    })
    live.generation.handle(req, res)
  })
  const retire = async (live: Live) => {
    generations.delete(live)
    await live.generation.close().catch((error: unknown) => logger.warn?.('tollgate gateway: closing a retired configuration failed', { error: String(error) }))
  }

  try {
    await listen(server, config.listen)
  } catch (error) {
    await first.close()
    await shared.close()
    io.err(`tollgate gateway: cannot listen on ${config.listen.host}:${config.listen.port}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`)
    return 2
  }
  const { port } = server.address() as AddressInfo
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host
  io.out(`${(await summaryLines(config, shared, `http://${host}:${port}`)).join('\n')}\n`)

  let reloading = Promise.resolve()
  io.onSignal('SIGHUP', () => {
    if (stopping) return
    reloading = reloading.then(async () => {
      try {
        const next = await reload(argv, io, current.generation.config, shared, logger)
        if (!next || stopping) return void (await next?.close())
        const previous = current
        current = { generation: next, inFlight: 0, retired: false }
        generations.add(current)
        previous.retired = true
        if (previous.inFlight === 0) await retire(previous)
        io.out(`tollgate gateway: configuration reloaded (${next.config.routes.length} routes)\n`)
      } catch (error) {
        // A bug while reloading must not take down the running configuration (nor the process).
        logger.error?.('tollgate gateway: reload failed, keeping the running configuration', { error: String(error) })
      }
    })
  })

  let drained: () => void = () => undefined
  const stopped = new Promise<number>((resolve) => {
    const stop = () => {
      if (stopping) return
      stopping = true
      io.out('tollgate gateway: stopping; letting requests in flight finish\n')
      server.close()
      server.closeIdleConnections()
      const timer = setTimeout(() => finish(1, `tollgate gateway: requests still in flight after ${config.shutdownTimeoutMs} ms; exiting anyway\n`), config.shutdownTimeoutMs)
      const busy = () => [...generations].some((live) => live.inFlight > 0)
      drained = () => {
        if (!busy()) finish(0)
      }
      const finish = (code: number, message?: string) => {
        drained = () => undefined
        clearTimeout(timer)
        if (message) io.err(message)
        server.closeAllConnections()
        void (async () => {
          await reloading
          for (const live of [...generations]) await live.generation.close().catch(() => undefined)
          await shared.close()
          io.out('tollgate gateway: stopped\n')
          resolve(code)
        })()
      }
      drained()
    }
    io.onSignal('SIGTERM', stop)
    io.onSignal('SIGINT', stop)
  })
  return stopped
}

async function load(argv: readonly string[], io: GatewayIo): Promise<{ config: GatewayConfig } | number> {
  let args
  try {
    args = await readGatewayArgs(argv)
  } catch (error) {
    if (!(error instanceof ConfigFileError)) throw error
    io.err(`tollgate gateway: ${error.message}\n`)
    return 2
  }
  if (args.help) {
    io.out(`${GATEWAY_USAGE}\n`)
    return 0
  }
  const checked = checkGatewayConfig(args.raw, io.env)
  const problems = [...args.problems, ...checked.problems]
  if (problems.length > 0 || !checked.config) {
    io.err(invalid(problems))
    if (args.problems.length > 0) io.err(`\n${GATEWAY_USAGE}\n`)
    return 2
  }
  return { config: { ...checked.config, ...(args.file ? { file: args.file } : {}) } }
}

/** A new generation from the configuration as it is now, or undefined (logged) when it cannot replace the running one. */
async function reload(argv: readonly string[], io: GatewayIo, running: GatewayConfig, shared: SharedParts, logger: Logger): Promise<Generation | undefined> {
  const refuse = (problems: string[]) => {
    io.err(`tollgate gateway: reload refused, keeping the running configuration:\n  - ${problems.join('\n  - ')}\n`)
    return undefined
  }
  if (!running.file) return refuse(['no configuration file to reload (the gateway was started with flags only)'])
  let args
  try {
    args = await readGatewayArgs(argv)
  } catch (error) {
    if (error instanceof ConfigFileError) return refuse([error.message])
    throw error
  }
  const checked = checkGatewayConfig(args.raw, io.env)
  if (args.problems.length > 0 || !checked.config) return refuse([...args.problems, ...checked.problems])
  const config = { ...checked.config, file: running.file }
  if (restartOnly(config) !== restartOnly(running)) {
    return refuse(['listen, payTo, settler, facilitator, store, networks, metrics and health change only with a restart'])
  }
  const problems: string[] = []
  const next = await buildGeneration(config, shared, io.env, logger, problems)
  return next ?? refuse(problems)
}

function invalid(problems: readonly string[]): string {
  return `tollgate gateway: the configuration is invalid:\n  - ${problems.join('\n  - ')}\n`
}

function listen(server: Server, { host, port }: { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/** The library's logger, as lines on stderr: `level message {fields}`. */
function streamLogger(write: (text: string) => void): Logger {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    const rest = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}` : ''
    write(`${new Date().toISOString()} ${level} ${message}${rest}\n`)
  }
  return { info: line('info'), warn: line('warn'), error: line('error') }
}
