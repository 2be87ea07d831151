import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Setup starts anvil, deploys and funds, starts servers: on two shared, loaded cores that alone
    // has taken over 30 s. A hook's time is a bound, not a cost: a generous one only stops a hang.
    hookTimeout: 120_000,
    // Each file starts its own anvil on a free port; two forks match the machine's two cores.
    pool: 'forks',
    maxWorkers: 2,
  },
})
