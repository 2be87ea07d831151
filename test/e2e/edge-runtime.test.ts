import { builtinModules } from 'node:module'
import { fileURLToPath } from 'node:url'
import { relative } from 'node:path'
// esbuild comes with tsup (and vite); it bundles the way edge runtimes' builders do.
import { build, type Plugin } from 'esbuild'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)])

/** Bundles an entry for a browser-like platform, recording who imports a Node built-in instead of failing. */
async function nodeImportsOf(entry: string): Promise<Map<string, Set<string>>> {
  const importers = new Map<string, Set<string>>()
  const recordNodeImports: Plugin = {
    name: 'record-node-imports',
    setup(on) {
      on.onResolve({ filter: /.*/ }, (args) => {
        if (!nodeBuiltins.has(args.path)) return undefined
        const importer = relative(root, args.importer)
        importers.set(importer, (importers.get(importer) ?? new Set()).add(args.path))
        return { path: args.path, external: true }
      })
    },
  }
  await build({ entryPoints: [`${root}/${entry}`], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent', plugins: [recordNodeImports] })
  return importers
}

/**
 * Edge runtimes (Next.js edge, Workers, Deno Deploy) have Web APIs and no Node built-ins. The Web
 * adapters and the core they import must need none. Prepaid credentials (jsonwebtoken, Node
 * crypto) live in tollgate/prepaid, which only sellers of packages import.
 */
describe.each(['adapters/next.ts', 'adapters/fetch.ts'])('%s on an edge runtime', (entry) => {
  it('needs no Node built-in', async () => {
    expect([...(await nodeImportsOf(entry)).entries()].map(([file, modules]) => `${file}: ${[...modules].join(', ')}`)).toEqual([])
  })
})

describe('tollgate/prepaid', () => {
  it('is where the Node-only credential code lives', async () => {
    const importers = [...(await nodeImportsOf('src/prepaid/index.ts')).keys()]
    expect(importers.some((file) => file.startsWith('src/prepaid/') || file.includes('jsonwebtoken') || file.includes('jws'))).toBe(true)
  })
})
