import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { exited, waitForExit } from '../child-exit.js'
import type { StandInInfo } from './controls.js'
import { controlOver, handleOver, type SolanaStandIn } from './stand-in.js'

const MAIN = fileURLToPath(new URL('./stand-in-main.ts', import.meta.url))
const READY_TIMEOUT_MS = 30_000

// A stand-in left behind by a crashed worker would hold its port: kill what is left on exit.
const live = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/** The stand-in as a child process (`node --import tsx stand-in-main.ts`), with the same handle as in-process. */
export async function spawnSolanaStandIn(opts: { tokenProgram?: 'spl-token' | 'token-2022' } = {}): Promise<SolanaStandIn & { pid: number }> {
  const args = ['--import', 'tsx', MAIN, ...(opts.tokenProgram === 'token-2022' ? ['--token-2022'] : [])]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  if (child.pid === undefined) throw new Error('could not spawn the Solana stand-in')
  live.add(child)
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const started = await new Promise<{ url: string; controlUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stand-in did not start within ${READY_TIMEOUT_MS} ms: ${stderr}`)), READY_TIMEOUT_MS)
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer)
      try {
        resolve(JSON.parse(line) as { url: string; controlUrl: string })
      } catch {
        reject(new Error(`stand-in printed ${line}; stderr: ${stderr}`))
      }
    })
    child.once('exit', (code) => reject(new Error(`stand-in exited (${code}): ${stderr}`)))
  })
  const call = controlOver(started.controlUrl)
  const info = (await call('info')) as StandInInfo
  const stop = async () => {
    if (exited(child)) return
    child.kill('SIGTERM')
    if (!(await waitForExit(child, 3_000))) child.kill('SIGKILL')
    live.delete(child)
  }
  return Object.assign(handleOver(info, call, stop), { pid: child.pid })
}
