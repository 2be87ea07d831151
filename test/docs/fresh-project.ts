/**
 * A fresh TypeScript project that depends on the built tollgate package, as a user's would after
 * `npm install tollgate`: the package is built into the project's node_modules/tollgate from the sources
 * with the repository's own build (tsup), next to the files package.json ships; every other package is
 * a link to this repository's installed node_modules, so nothing is fetched.
 */
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
export const REPO = resolve(import.meta.dirname, '../..')

/** The compiler options of a new strict project (bundler resolution, as Next.js, Vite, Bun and tsx use). */
export const FRESH_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'preserve',
    moduleResolution: 'bundler',
    moduleDetection: 'force',
    lib: ['ES2022'],
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    esModuleInterop: true,
  },
}

export async function freshProject(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'tollgate-docs-'))
  const modules = join(root, 'node_modules')
  const pkg = join(modules, 'tollgate')
  mkdirSync(pkg, { recursive: true })
  for (const entry of readdirSync(join(REPO, 'node_modules'))) {
    if (entry.startsWith('.') || entry === 'tollgate') continue
    symlinkSync(join(REPO, 'node_modules', entry), join(modules, entry))
  }
  const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { files: string[] }
  cpSync(join(REPO, 'package.json'), join(pkg, 'package.json'))
  for (const file of manifest.files) {
    if (file !== 'dist' && existsSync(join(REPO, file))) cpSync(join(REPO, file), join(pkg, file), { recursive: true })
  }
  // ESM and its declarations are what an `import` resolves to; the CJS half of the build is left out for time.
  await run(process.execPath, [join(REPO, 'node_modules/tsup/dist/cli-default.js'), '--out-dir', join(pkg, 'dist'), '--format', 'esm', '--no-sourcemap'], {
    cwd: REPO,
    maxBuffer: 16 * 1024 * 1024,
  })
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'fresh-seller', private: true, type: 'module' }, null, 2))
  return root
}

export interface Diagnostic {
  file: string
  line: number
  column: number
  message: string
}

/** One `tsc` over the whole project; its errors, with paths relative to the project. */
export async function typeCheck(root: string, include: string[]): Promise<Diagnostic[]> {
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ ...FRESH_TSCONFIG, include }, null, 2))
  const tsc = join(REPO, 'node_modules/typescript/bin/tsc')
  const output = await run(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--pretty', 'false'], { cwd: root, maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stdout }) => stdout,
    (error: { stdout?: string; code?: number }) => {
      // tsc exits 2 when it reports errors: those are the result. Anything else is a broken run.
      if (error.code !== 2 || !error.stdout) throw error
      return error.stdout
    },
  )
  const diagnostics: Diagnostic[] = []
  let last: Diagnostic | undefined
  for (const line of output.split('\n')) {
    const match = /^(.+?)\((\d+),(\d+)\): error (TS\d+: .*)$/.exec(line)
    if (match) {
      last = { file: match[1] ?? '', line: Number(match[2]), column: Number(match[3]), message: match[4] ?? '' }
      diagnostics.push(last)
    } else if (line.trim() && last) {
      last.message += `\n${line}`
    } else if (line.trim()) {
      diagnostics.push({ file: '', line: 0, column: 0, message: line })
    }
  }
  return diagnostics
}
