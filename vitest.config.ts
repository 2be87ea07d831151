import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file starts its own anvil on a free port; two forks match the machine's two cores.
    pool: 'forks',
    maxWorkers: 2,
  },
})
