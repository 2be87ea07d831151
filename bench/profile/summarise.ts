/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and ranks where the time went: self time by function and
 * by package (tollgate's own files, each framework, node internals, GC), plus the inclusive time of
 * tollgate's functions, which tells what a request costs inside the library, callees included.
 */
import { readFileSync } from 'node:fs'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface Entry {
  name: string
  ms: number
  share: number
}

export interface Summary {
  /** Every sampled millisecond except idle. */
  busyMs: number
  /**
   * The part spent in socket write calls: on loopback the kernel delivers to the load generator inside
   * them, so they swing with the machine's load and say little about the server's own work.
   */
  socketMs: number
  byFunction: Entry[]
  byPackage: Entry[]
  /** Tollgate functions with their callees' time (each function counted once per stack). */
  tollgateInclusive: Entry[]
}

/** Where a frame's code lives: tollgate, a node_modules package, node itself, or V8's own buckets. */
export function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  if (url.startsWith('node:')) return 'node:internals'
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  const own = /\/(adapters|src|bench)\//.exec(url)
  return own ? `tollgate ${own[1]}/` : url
}

function frameName(frame: CallFrame): string {
  const file = frame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/(adapters|src|bench)\//, '$1/')
  return `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`
}

const SOCKET_WRITES = new Set(['writev', 'writeUtf8String', 'writeBuffer', 'writeLatin1String', 'writeAsciiString'])

const isTollgate = (url: string) => !url.includes('/node_modules/') && /\/(adapters|src)\//.test(url)

export function summarise(path: string, top = 25): Summary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

  // Module loading and compiling at startup is not request work: its samples are left out.
  const startup = new Set<number>()
  const isStartup = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const url = byId.get(at)!.callFrame.url
      if (/^node:internal\/modules\/(cjs\/|esm\/(hooks|loader|translators|utils|resolve|load))/.test(url) || url.includes('/node_modules/tsx/')) return true
    }
    return false
  }
  for (const n of profile.nodes) if (isStartup(n.id)) startup.add(n.id)

  const self = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    if (startup.has(profile.samples[i]!)) continue
    // timeDeltas[i] is the gap before sample i; the next gap is the time sample i stood for.
    const ms = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + ms)
  }

  const fn = new Map<string, number>()
  const pkg = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let busyMs = 0
  let socketMs = 0
  for (const [id, ms] of self) {
    const node = byId.get(id)!
    if (node.callFrame.functionName === '(idle)') continue
    busyMs += ms
    if (node.callFrame.url === '' && SOCKET_WRITES.has(node.callFrame.functionName)) socketMs += ms
    const name = frameName(node.callFrame)
    fn.set(name, (fn.get(name) ?? 0) + ms)
    const p = packageOf(node.callFrame.url, node.callFrame.functionName)
    pkg.set(p, (pkg.get(p) ?? 0) + ms)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame
      if (!isTollgate(frame.url)) continue
      const key = frameName(frame)
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + ms)
    }
  }
  const rank = (m: Map<string, number>, n: number): Entry[] =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, ms]) => ({ name, ms, share: ms / busyMs }))
  return { busyMs, socketMs, byFunction: rank(fn, top), byPackage: rank(pkg, 15), tollgateInclusive: rank(inclusive, top) }
}

export function renderSummary(s: Summary, requests?: number): string {
  const perRequest = (ms: number) => (requests ? ` ${((ms * 1000) / requests).toFixed(2)} µs/req` : '')
  const table = (title: string, entries: Entry[]) =>
    [`${title}`, ...entries.map((e) => `  ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.ms.toFixed(0).padStart(6)} ms${perRequest(e.ms)}  ${e.name}`)].join('\n')
  return [
    `busy ${s.busyMs.toFixed(0)} ms${requests ? ` over ${requests} requests: ${((s.busyMs * 1000) / requests).toFixed(1)} µs/req, ${(((s.busyMs - s.socketMs) * 1000) / requests).toFixed(1)} µs/req besides socket writes` : ''}`,
    table('self time by package', s.byPackage),
    table('self time by function', s.byFunction),
    table('tollgate functions, inclusive', s.tollgateInclusive),
  ].join('\n\n')
}

// `tsx bench/profile/summarise.ts file.cpuprofile [top]`
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.stdout.write(`${renderSummary(summarise(process.argv[2]!, Number(process.argv[3] ?? 25)))}\n`)
}

/** Two profiles side by side, per request: the functions whose cost differs most first. */
export function renderDiff(nameA: string, a: Summary, requestsA: number, nameB: string, b: Summary, requestsB: number): string {
  const us = (entries: Entry[], requests: number) => new Map(entries.map((e) => [e.name, (e.ms * 1000) / requests]))
  const section = (title: string, ea: Entry[], eb: Entry[], rows: number) => {
    const ma = us(ea, requestsA)
    const mb = us(eb, requestsB)
    const names = [...new Set([...ma.keys(), ...mb.keys()])]
    names.sort((x, y) => Math.abs((ma.get(y) ?? 0) - (mb.get(y) ?? 0)) - Math.abs((ma.get(x) ?? 0) - (mb.get(x) ?? 0)))
    return [
      `${title} (µs/request: ${nameA} | ${nameB} | difference)`,
      ...names.slice(0, rows).map((n) => {
        const x = ma.get(n) ?? 0
        const y = mb.get(n) ?? 0
        return `  ${x.toFixed(2).padStart(7)} ${y.toFixed(2).padStart(7)} ${(x - y >= 0 ? '+' : '') + (x - y).toFixed(2).padStart(6)}  ${n}`
      }),
    ].join('\n')
  }
  return [
    `busy µs/request: ${nameA} ${((a.busyMs * 1000) / requestsA).toFixed(1)} | ${nameB} ${((b.busyMs * 1000) / requestsB).toFixed(1)}`,
    `besides socket writes: ${nameA} ${(((a.busyMs - a.socketMs) * 1000) / requestsA).toFixed(1)} | ${nameB} ${(((b.busyMs - b.socketMs) * 1000) / requestsB).toFixed(1)}`,
    section('by package', a.byPackage, b.byPackage, 12),
    section('by function', a.byFunction, b.byFunction, 30),
  ].join('\n\n')
}
