// A stand-in chain in its own process, for tests where several seller processes share one chain:
//   node --import tsx test/support/solana/stand-in-main.ts [--token-2022] [--finalized]
// prints one JSON line {"url", "controlUrl"} once it listens; SIGTERM/SIGINT end it. Tests drive it through
// spawnSolanaStandIn (spawn.ts), which speaks to its control port.
import { startStandInCore } from './controls.js'

const args = new Set(process.argv.slice(2))
const core = await startStandInCore({
  tokenProgram: args.has('--token-2022') ? 'token-2022' : 'spl-token',
  confirmation: args.has('--finalized') ? 'finalized' : 'confirmed',
})
process.stdout.write(`${JSON.stringify({ url: core.server.url, controlUrl: core.server.controlUrl })}\n`)
const stop = () => {
  core.server.close().finally(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
