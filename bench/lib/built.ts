/**
 * The benchmark measures the package as sellers run it: built by tsup (no declarations, no source
 * maps), into bench/.built/dist inside the repository so its dependencies resolve from node_modules.
 * Through tsx, the sources pay for esbuild's keepNames (every function made at run time is wrapped
 * in a `__name` call), a cost the built package does not have (bench/profile/FINDINGS.md, finding 1).
 */
import { execFile } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

const REPO = fileURLToPath(new URL('../..', import.meta.url))

/** Builds the package for this run; returns the directory of its entries (index.js, express.js, …). */
export async function buildForBench(): Promise<string> {
  const out = join(REPO, 'bench/.built/dist')
  rmSync(join(REPO, 'bench/.built'), { recursive: true, force: true })
  await promisify(execFile)(process.execPath, [join(REPO, 'node_modules/tsup/dist/cli-default.js'), '--out-dir', out, '--format', 'esm', '--no-sourcemap', '--no-dts'], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 })
  return out
}

/**
 * Points this run's servers at the built package (building it), unless BENCH_BUILT=src asks for the
 * sources through tsx or BENCH_BUILT already names a build. Returns what the run measures, for its notes.
 */
export async function useBuiltPackage(): Promise<'built' | 'sources'> {
  if (process.env.BENCH_BUILT === 'src') {
    delete process.env.BENCH_BUILT
    return 'sources'
  }
  process.env.BENCH_BUILT ??= await buildForBench()
  return 'built'
}

/** One entry of the package: from the build in BENCH_BUILT when set, else the sources (`source`). */
export async function tollgateEntry<T>(entry: string, source: () => Promise<T>): Promise<T> {
  const built = process.env.BENCH_BUILT
  return built ? ((await import(pathToFileURL(join(built, `${entry}.js`)).href)) as T) : source()
}
