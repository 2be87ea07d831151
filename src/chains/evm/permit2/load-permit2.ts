/** What Permit2 needs of viem (permit2-runtime.ts), imported once; a failed import is tried again on the next payment. */
let runtime: Promise<typeof import('./permit2-runtime.js')> | undefined

export function loadPermit2(): Promise<typeof import('./permit2-runtime.js')> {
  runtime ??= import('./permit2-runtime.js').catch((error: unknown) => {
    runtime = undefined
    throw error
  })
  return runtime
}
