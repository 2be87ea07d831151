/**
 * `@opentelemetry/api` is an optional peer: the core and every adapter must load without it. Walks
 * the import graph of src/index.ts and each adapter (static and dynamic imports, relative ones
 * followed) and requires that no file on it imports an @opentelemetry package; tollgate/tracing does.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const REPO = resolve(import.meta.dirname, '../..')
const IMPORT = /(?:^|[^\w.])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm

/** Every package a file and the files it imports (relatively) import, with the file that imports it. */
function packagesReached(entry: string): Map<string, string> {
  const packages = new Map<string, string>()
  const seen = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3]
      if (!specifier) continue
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
      else packages.set(specifier, file)
    }
  }
  visit(entry)
  return packages
}

const entries = ['src/index.ts', ...readdirSync(join(REPO, 'adapters')).filter((file) => file.endsWith('.ts')).map((file) => `adapters/${file}`)]

describe('the core without @opentelemetry/api', () => {
  it.each(entries)('%s imports no @opentelemetry package, directly or through its files', (entry) => {
    const reached = [...packagesReached(join(REPO, entry))].filter(([name]) => name.startsWith('@opentelemetry/'))
    expect(reached).toEqual([])
  })

  it('tollgate/tracing does, and the core reaches its own packages (the walk finds what it looks for)', () => {
    expect(packagesReached(join(REPO, 'src/index.ts')).has('viem')).toBe(true)
    expect(packagesReached(join(REPO, 'src/tracing/index.ts')).has('@opentelemetry/api')).toBe(true)
  })
})
