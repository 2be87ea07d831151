import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    express: 'adapters/express.ts',
    koa: 'adapters/koa.ts',
    fastify: 'adapters/fastify.ts',
    next: 'adapters/next.ts',
    fetch: 'adapters/fetch.ts',
    redis: 'src/redis.ts',
    buyer: 'src/buyer/prepaid-fetch.ts',
    prepaid: 'src/prepaid/index.ts',
    facilitator: 'src/facilitator-server/index.ts',
    metrics: 'src/metrics/index.ts',
    receipts: 'src/receipts/index.ts',
    health: 'src/health/index.ts',
    tracing: 'src/tracing/index.ts',
    solana: 'src/chains/solana/index.ts',
    // The bin (dist/cli.js): `tollgate reconcile` and `tollgate gateway`.
    cli: 'src/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  treeshake: true,
  // The gateway loads ioredis only for a Redis store; it is the seller's install, never bundled.
  external: ['ioredis'],
})
