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
 * adapters and the core they import must need none, except, for now, prepaid credentials through
 * jsonwebtoken (Node crypto): the README says so, and this test names exactly that exception.
 */
describe.each(['adapters/next.ts', 'adapters/fetch.ts'])('%s on an edge runtime', (entry) => {
  it('needs Node built-ins only through prepaid credentials (jsonwebtoken)', async () => {
    const importers = [...(await nodeImportsOf(entry)).keys()]
    const elsewhere = importers.filter((file) => !/^(src\/prepaid\/|node_modules\/(jsonwebtoken|jws|jwa|safe-buffer|buffer-equal-constant-time)\/)/.test(file))
    expect(elsewhere).toEqual([])
  })
})
