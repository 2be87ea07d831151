/**
 * tollgate/solana runs where the Next and fetch adapters run: bundled for a browser-like platform
 * (as edge runtimes' builders do) it imports no Node built-in. Its Ed25519 checks, sha256 and RPC
 * calls use WebCrypto, @noble/hashes and fetch only.
 */
import { builtinModules } from 'node:module'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)])

it('the Solana entry bundles for the browser platform without a Node built-in', async () => {
  const found: string[] = []
  await build({
    entryPoints: [`${root}/src/chains/solana/index.ts`],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'record-node-imports',
        setup(on) {
          on.onResolve({ filter: /.*/ }, (args) => {
            if (!nodeBuiltins.has(args.path)) return undefined
            found.push(`${args.importer} → ${args.path}`)
            return { path: args.path, external: true }
          })
        },
      },
    ],
  })
  expect(found).toEqual([])
})
