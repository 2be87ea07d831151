import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('the type fixtures (test/types) compile under --strict', () => {
  it('payments are present inside paid handlers in every adapter, network names autocomplete, the README Hono snippet compiles; every @ts-expect-error is an error', async () => {
    // A fixture line marked @ts-expect-error that compiles is itself an error ("Unused '@ts-expect-error'"), so negative cases count.
    const result = await promisify(execFile)(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'test/types/tsconfig.json', '--strict'], { cwd: root }).then(
      () => ({ ok: true, output: '' }),
      (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
    )
    expect(result.output).toBe('')
    expect(result.ok).toBe(true)
  }, 120_000)
})
