/**
 * Profiling the benchmark's servers (issue 17): where a request's CPU time goes, and before/after.
 *
 *   npm run profile -- <preset> [seconds]           profile one path; prints self/inclusive time per request
 *   npm run profile -- <preset> --vs <preset> [s]   profile two paths; prints the per-request difference by function
 *   npm run profile -- ab <preset> --base <dir> [--rounds n] [--seconds s] [--vs <preset>] [--root <dir>]
 *                                                   req/s of this checkout against another (e.g. a `git archive`
 *                                                   of the commit before, with node_modules linked), alternating
 *                                                   in one run; --vs adds the preset's baseline (e.g. fastify-static402)
 *
 * Presets: presets.ts. Profiles stay in PROFILE_DIR (default /tmp/tollgate-profiles) for Chrome DevTools.
 * Figures on a shared machine are noisy: compare only what ran side by side, and prefer µs/request of CPU.
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { presets, type Preset } from './presets.js'
import { drive, profileOnce } from './run-profile.js'
import { cpuMicros, startAt } from './spawn.js'
import { renderDiff, renderSummary, summarise } from './summarise.js'

const args = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
// --root: profile another checkout's servers (a clean `git archive` when the working tree is mid-edit).
const root = resolve(flag('root') ?? fileURLToPath(new URL('../..', import.meta.url)))
const all = presets()
const presetOf = (name: string | undefined): Preset => {
  const preset = name === undefined ? undefined : all[name]
  if (!preset) throw new Error(`unknown preset '${name}'; known: ${Object.keys(all).join(', ')}`)
  return preset
}

if (args[0] === 'ab') await ab()
else await profile()

async function profile(): Promise<void> {
  const name = args[0]
  const other = flag('vs')
  const seconds = Number(args.find((a, i) => i > 0 && /^\d+$/.test(a) && args[i - 1] !== '--vs') ?? 6)
  const first = await profileOnce(root, name!, presetOf(name), seconds)
  const line = (n: string, r: typeof first, expected: number) =>
    `${n}: ${r.requestsPerSecond.toFixed(0)} req/s profiled, statuses ${JSON.stringify(r.statuses)} (expected ${expected}); ${r.file}\n`
  process.stdout.write(line(name!, first, presetOf(name).status))
  if (!other) {
    process.stdout.write(`\n${renderSummary(summarise(first.file), first.requests)}\n`)
    return
  }
  const second = await profileOnce(root, other, presetOf(other), seconds)
  process.stdout.write(line(other, second, presetOf(other).status))
  process.stdout.write(`\n${renderDiff(name!, summarise(first.file, 400), first.requests, other, summarise(second.file, 400), second.requests)}\n`)
}

async function ab(): Promise<void> {
  const name = args[1]
  const base = flag('base')
  if (!base) throw new Error('ab needs --base <dir of the other checkout>')
  const rounds = Number(flag('rounds') ?? 3)
  const seconds = Number(flag('seconds') ?? 4)
  const baseline = flag('vs')
  const variants = [
    { label: `${name} (this checkout)`, root, preset: presetOf(name) },
    { label: `${name} (${base})`, root: resolve(base), preset: presetOf(name) },
    ...(baseline ? [{ label: `${baseline} (this checkout)`, root, preset: presetOf(baseline) }] : []),
  ]
  const servers = []
  try {
    for (const v of variants) servers.push(await startAt(v.root, v.preset.scenario, v.preset.env))
    const rps: number[][] = variants.map(() => [])
    const cpu: number[][] = variants.map(() => [])
    for (let r = 0; r < rounds; r++) {
      for (const [i, v] of variants.entries()) {
        await drive(servers[i]!.url, v.preset, 1)
        const before = cpuMicros(servers[i]!.pid)
        const run = await drive(servers[i]!.url, v.preset, seconds)
        const after = cpuMicros(servers[i]!.pid)
        const wrong = Object.keys(run.statuses).filter((s) => Number(s) !== v.preset.status)
        if (wrong.length > 0) throw new Error(`${v.label}: unexpected statuses ${JSON.stringify(run.statuses)}`)
        rps[i]!.push(run.requestsPerSecond)
        if (before !== undefined && after !== undefined) cpu[i]!.push((after - before) / run.requests)
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const reference = mean(rps[variants.length - 1]!)
    const cpuReference = mean(cpu[variants.length - 1]!)
    for (const [i, v] of variants.entries()) {
      const perRequest = cpu[i]!.length > 0 ? `  server CPU ${mean(cpu[i]!).toFixed(1)} µs/req (${(cpuReference / mean(cpu[i]!)).toFixed(2)} × last by CPU)` : ''
      process.stdout.write(`${v.label.padEnd(50)} ${mean(rps[i]!).toFixed(0).padStart(7)} req/s  ${(mean(rps[i]!) / reference).toFixed(2)} × last${perRequest}  rounds ${rps[i]!.map((x) => x.toFixed(0)).join(' ')}\n`)
    }
  } finally {
    for (const s of servers) await s.stop()
  }
}
