/**
 * Shared by the example sellers: when the module is the program (`npx tsx examples/<x>/server.ts`),
 * start it, say where it listens, and stop cleanly on Ctrl-C or SIGTERM; when a test or the demo
 * imports it, do nothing.
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export function runAsProgram(moduleUrl: string, name: string, start: () => Promise<{ url: string; close(): Promise<void> }>): void {
  if (!isProgram(moduleUrl)) return
  start().then(
    (server) => {
      console.log(`tollgate ${name} seller listening on ${server.url} (GET /weather costs 0.01, GET /health is free)`)
      const stop = (): void => void server.close().finally(() => process.exit(0))
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error)
      process.exitCode = 1
    },
  )
}

function isProgram(moduleUrl: string): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(moduleUrl))
  } catch {
    return false
  }
}
