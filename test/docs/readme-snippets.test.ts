/**
 * Docs that run: every ```ts block of README.md type-checks, under `strict`, in a fresh project that
 * depends on the built package (see fresh-project.ts), in one compiler run. How blocks name their
 * context is in snippets.ts; the stand-ins they may use are test/docs/preludes/*.ts.
 */
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshProject, REPO, typeCheck } from './fresh-project.js'
import { documentErrors, readPreludes, writeSnippets, type SnippetError } from './snippet-files.js'
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
}, 240_000)

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
