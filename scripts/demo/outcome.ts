import { red } from './print.js'

/** A demo's own finding (a balance that moved wrong): printed as a sentence, not a stack. */
export class DemoFailure extends Error {}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new DemoFailure(message)
}

/** Runs a demo: exit code 0 when it went through, 1 with the reason otherwise. */
export function runDemo(run: () => Promise<void>): void {
  run().then(
    () => {
      process.exitCode = 0
    },
    (error: unknown) => {
      const message = error instanceof DemoFailure ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)
      console.error(`\n${red('demo failed:')} ${message}`)
      process.exitCode = 1
    },
  )
}
