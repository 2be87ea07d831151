#!/usr/bin/env node
// The `tollgate` command: `tollgate reconcile …` (receipts against the chain) and `tollgate gateway …`
// (a paywall in front of any HTTP API). The only place, with the commands it runs, that writes to the console.
import { runCli } from './receipts/reconcile-cli.js'

const [command, ...rest] = process.argv.slice(2)
const io = {
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
  env: process.env,
}

const run =
  command === 'gateway'
    ? gateway()
    : command === undefined || command === 'help' || command === '--help' || command === '-h'
      ? Promise.resolve(help())
      : runCli(process.argv.slice(2), io)

void run.then(
  (code) => {
    // The gateway's clients (Redis, undici) may hold handles; once it has stopped there is nothing left to wait for.
    if (command === 'gateway') process.exit(code)
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`tollgate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  },
)

/** Loaded only for `gateway`: it needs fastify (an optional peer of the library), which `reconcile` does not. */
async function gateway(): Promise<number> {
  let runGateway: typeof import('../apps/gateway/run-gateway.js').runGateway
  try {
    ;({ runGateway } = await import('../apps/gateway/run-gateway.js'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' || !/'fastify'/.test(String((error as Error).message))) throw error
    process.stderr.write('tollgate gateway needs fastify 5 next to tollgate: npm i fastify (or npx -p tollgate -p fastify tollgate gateway …)\n')
    return 2
  }
  return runGateway(rest, { ...io, onSignal: (signal, listener) => void process.on(signal, listener) })
}

function help(): number {
  process.stdout.write('usage: tollgate <command>\n\n  gateway     a paywall in front of any HTTP API (tollgate gateway --help)\n  reconcile   compare the receipts ledger with the chain\n')
  return command === undefined ? 2 : 0
}
