/**
 * A seller who uses only EVM never loads a Solana package: every adapter entry, the root entry and
 * tollgate/facilitator, bundled as a seller's build would, import no @solana/* module. Only the
 * tollgate/solana entry does. (The core knows Solana through a constants table and a structural type.)
 */
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

async function packagesOf(entry: string): Promise<string[]> {
  const seen = new Set<string>()
  await build({
    entryPoints: [`${root}/${entry}`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'record-packages',
        setup(on) {
          // Every bare import is recorded and left external: what a seller's bundle would load.
          on.onResolve({ filter: /^[^./]/ }, (args) => {
            seen.add(args.path)
            return { path: args.path, external: true }
          })
        },
      },
    ],
  })
  return [...seen]
}

describe('chain families load apart', () => {
  it.each(['adapters/express.ts', 'adapters/koa.ts', 'adapters/fastify.ts', 'adapters/next.ts', 'adapters/fetch.ts', 'src/index.ts', 'src/facilitator-server/index.ts'])(
    '%s imports no Solana package',
    async (entry) => {
      expect((await packagesOf(entry)).filter((p) => p.startsWith('@solana/'))).toEqual([])
    },
  )

  it('tollgate/solana does, and only @solana/kit', async () => {
    expect((await packagesOf('src/chains/solana/index.ts')).filter((p) => p.startsWith('@solana/'))).toEqual(['@solana/kit'])
  })
})
