/**
 * Docs that run: every ```ts block of README.md type-checks, under `strict`, in a fresh project that
 * depends on the built package (see fresh-project.ts), in one compiler run. How blocks name their
 * context is in snippets.ts; the stand-ins they may use are test/docs/preludes/*.ts.
 */
import { execFile } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshProject, REPO, typeCheck } from './fresh-project.js'
import { documentErrors, readPreludes, RUN_PRELUDES, writeSnippets, type SnippetError } from './snippet-files.js'
import { extractSnippets } from './snippets.js'

const README = readFileSync(join(REPO, 'README.md'), 'utf8')

// A document with two known mistakes, checked in the same run: the test can fail, and says where.
const CANARY = [
  '# canary', // 1
  '<!-- snippet: prelude=express -->', // 2
  '```ts', // 3
  "import { tollgate } from 'tollgate/express'", // 4
  'const mine = tollgate({ payTo, settler })', // 5
  "app.get('/x', mine.paywal({ amount: '1', network: 'base' }), handler)", // 6: misspelt method
  '```', // 7
  '```ts', // 8
  '// lib/price.ts', // 9
  "export const price = { amount: '0.10', network: 'base' }", // 10
  '// main.ts', // 11
  "import { price } from './lib/price'", // 12
  'const n: number = price.amount', // 13: a string is not a number
  '```', // 14
].join('\n')

let root: string
let readmeErrors: SnippetError[]
let canaryErrors: SnippetError[]

beforeAll(async () => {
  root = await freshProject()
  const preludes = readPreludes()
  const readme = writeSnippets(root, 'readme', extractSnippets(README), preludes)
  const canary = writeSnippets(root, 'canary', extractSnippets(CANARY), preludes)
  const diagnostics = await typeCheck(root, ['readme', 'canary', 'preludes'])
  readmeErrors = documentErrors(
    diagnostics.filter((d) => d.file.startsWith('readme/')),
    readme,
  )
  canaryErrors = documentErrors(
    diagnostics.filter((d) => !d.file.startsWith('readme/')),
    canary,
  )
}, 600_000) // builds the package and type-checks every block: minutes on two loaded cores; a bound, not a cost

/** The README's placeholders, replaced when a snippet is run: what a reader fills in before running it. */
const PLACEHOLDERS: [string, string][] = [["'0xYourSellerAddress'", "'0x70997970C51812dc3A010C7d01b50e0d17dc79C8'"]]

/** Runs one README block (found by what it contains) in the fresh project with tsx; `driver` imports it as './snippet'. */
async function runSnippet(contains: string[], driver: string): Promise<string> {
  const snippet = extractSnippets(README).find((block) => contains.every((text) => block.files.some((file) => file.source.includes(text))))
  if (!snippet) throw new Error(`no README block contains all of ${contains.join(', ')}`)
  const filled = {
    ...snippet,
    files: snippet.files.map((file) => ({ ...file, source: PLACEHOLDERS.reduce((source, [from, to]) => source.split(from).join(to), file.source) })),
  }
  const [written] = writeSnippets(root, 'run', [filled], readPreludes(RUN_PRELUDES))
  const driverPath = join(root, 'run', `L${snippet.line}`, 'driver.ts')
  writeFileSync(driverPath, driver.replace("'./snippet'", `'./${written?.path.split('/').pop()?.replace(/\.ts$/, '') ?? 'index'}'`))
  const { stdout } = await promisify(execFile)(process.execPath, [join(REPO, 'node_modules/tsx/dist/cli.mjs'), driverPath], { cwd: root })
  return stdout
}

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true })
})

describe('README TypeScript blocks, type-checked against the built package', () => {
  it('reads every ```ts block of the README', () => {
    const fences = README.split('\n').filter((line) => /^\s*```(ts|typescript|tsx)\s*$/.test(line)).length
    expect(fences).toBeGreaterThan(10)
    expect(extractSnippets(README)).toHaveLength(fences)
  })

  it('every README snippet compiles under strict', () => {
    // A name the block neither declares nor imports: declare it in the block, or add a stand-in to a prelude
    // in test/docs/preludes/ and name that prelude in a `<!-- snippet: prelude=… -->` line before the fence.
    const report = [...readmeErrors].sort((a, b) => a.line - b.line).map((error) => `README.md:${error.line} (block at line ${error.snippetLine}): ${error.message}`)
    expect(report).toEqual([])
  })

  it('a snippet that does not compile is reported at its document line, across files of one block', () => {
    const places = new Set(canaryErrors.map(({ line, snippetLine }) => `${line} in the block at ${snippetLine}`))
    expect([...places].sort()).toEqual(['13 in the block at 8', '6 in the block at 3'])
    expect(canaryErrors.find((error) => error.line === 6)?.message).toMatch(/paywal/)
    expect(canaryErrors.find((error) => error.line === 13)?.message).toMatch(/not assignable to type 'number'/)
  })
})

describe('README snippets run from the built package', () => {
  it('the Hono seller (tollgate/fetch) answers an unpaid request with the 402 challenge it describes', async () => {
    const output = await runSnippet(
      ["from 'tollgate/fetch'", 'new Hono()'],
      `import app from './snippet'
const response = await app.fetch(new Request('http://127.0.0.1:4021/data'))
const required = JSON.parse(Buffer.from(response.headers.get('payment-required') ?? '', 'base64').toString('utf8'))
console.log(JSON.stringify({ status: response.status, required }))
`,
    )
    const { status, required } = JSON.parse(output) as { status: number; required: { x402Version: number; accepts: Record<string, unknown>[] } }
    expect(status).toBe(402)
    expect(required.x402Version).toBe(2)
    expect(required.accepts).toHaveLength(1)
    expect(required.accepts[0]).toMatchObject({
      scheme: 'exact',
      network: 'eip155:84532',
      amount: '100000',
      asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
      payTo: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    })
  })
})
