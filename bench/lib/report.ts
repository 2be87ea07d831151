import { cpus } from 'node:os'

export interface Row {
  group: string
  variant: string
  requestsPerSecond: number
  p50: number
  p99: number
  /** Throughput over the group's baseline (first row of the group). */
  ratio: number
  note?: string
}

export interface Target {
  name: string
  goal: string
  measured: string
  met: boolean | null
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

export function renderTable(rows: Row[]): string {
  const lines = ['| scenario | variant | req/s | p50 ms | p99 ms | × baseline | note |', '|---|---|---:|---:|---:|---:|---|']
  for (const r of rows) {
    lines.push(`| ${r.group} | ${r.variant} | ${fmt(r.requestsPerSecond)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.ratio, 2)} | ${r.note ?? ''} |`)
  }
  return lines.join('\n')
}

export function renderTargets(targets: Target[]): string {
  const lines = ['| target | goal | measured | met |', '|---|---|---|---|']
  for (const t of targets) lines.push(`| ${t.name} | ${t.goal} | ${t.measured} | ${t.met === null ? 'not measured' : t.met ? 'yes' : 'NO'} |`)
  return lines.join('\n')
}

export function renderResults(rows: Row[], targets: Target[], extra: string[]): string {
  const cpu = cpus()
  return [
    '# Benchmark results',
    '',
    `Measured ${new Date().toISOString()} with \`npm run bench\` on Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}.`,
    'Loopback only; each comparison ran side by side in this run. Absolute numbers on these machines are noisy: read the ratios.',
    '',
    '## Targets',
    '',
    renderTargets(targets),
    '',
    '## Figures',
    '',
    renderTable(rows),
    '',
    ...extra,
    '',
  ].join('\n')
}
