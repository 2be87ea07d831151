import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// `npm ci` refuses a lockfile that lacks any package's dependency, optional platform binaries included
// (anvil, @next/swc, rollup, esbuild list one package per OS and CPU). A lockfile written where the
// registry or npm skipped other platforms' binaries installs here, yet `npm install` elsewhere rewrites it
// and `npm ci` fails. This checks the lockfiles are complete without the network.

interface LockEntry {
  os?: string[]
  libc?: string[]
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  devDependencies?: Record<string, string>
}

/** Each dependency npm cannot find in the lockfile, as `dependent -> name`. */
function missingEntries(lockfilePath: string): string[] {
  const lock = JSON.parse(readFileSync(lockfilePath, 'utf8')) as { lockfileVersion: number; packages: Record<string, LockEntry> }
  expect(lock.lockfileVersion).toBe(3)
  const packages = lock.packages
  const missing: string[] = []
  for (const [location, entry] of Object.entries(packages)) {
    const needed = { ...entry.dependencies, ...entry.optionalDependencies, ...(location === '' ? entry.devDependencies : {}) }
    for (const name of Object.keys(needed)) {
      if (resolve(packages, location, name) === undefined) missing.push(`${location || '(root)'} -> ${name}`)
    }
  }
  return missing
}

/** Node's lookup: the package's own node_modules, then each enclosing one, up to the root. */
function resolve(packages: Record<string, LockEntry>, location: string, name: string): string | undefined {
  let base = location
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`
    if (candidate in packages) return candidate
    if (base === '') return undefined
    const cut = base.lastIndexOf('/node_modules/')
    base = cut === -1 ? '' : base.slice(0, cut)
  }
}

describe('lockfiles list every dependency for every platform, so npm ci accepts them anywhere', () => {
  it.each(['package-lock.json', 'interop/v1-client/package-lock.json'])('%s', (path) => {
    expect(missingEntries(path)).toEqual([])
  })

  // npm before 11.11 neither writes nor keeps `libc` (npm/cli#9025): its `npm install` rewrites the lockfile,
  // and its lockfile lets `npm ci` install musl and glibc builds alike. package.json's devEngines asks for 11.11.
  it('package-lock.json keeps the libc of musl builds, as npm 11.11 and later write it', () => {
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> }
    const musl = Object.entries(lock.packages).filter(([location, entry]) => entry.os?.includes('linux') && /musl/.test(location.split('node_modules/').pop() ?? ''))
    expect(musl.length).toBeGreaterThan(5)
    expect(musl.filter(([, entry]) => !entry.libc?.includes('musl')).map(([location]) => location)).toEqual([])
  })

  it('the check sees a platform binary left out', () => {
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> }
    const anvil = lock.packages['node_modules/@foundry-rs/anvil']
    expect(Object.keys(anvil?.optionalDependencies ?? {})).toContain('@foundry-rs/anvil-darwin-arm64')
    const { ['node_modules/@foundry-rs/anvil-darwin-arm64']: _dropped, ...rest } = lock.packages
    expect(resolve(rest, 'node_modules/@foundry-rs/anvil', '@foundry-rs/anvil-darwin-arm64')).toBeUndefined()
    expect(resolve(lock.packages, 'node_modules/@foundry-rs/anvil', '@foundry-rs/anvil-darwin-arm64')).toBeDefined()
  })
})
