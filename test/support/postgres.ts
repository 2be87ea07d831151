import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from './anvil.js'
import { exited, waitForExit } from './child-exit.js'

/** A private Postgres cluster in a temp dir, on a free 127.0.0.1 port, trust auth, owned by the test. */
export interface TestPostgres {
  connectionString: string
  port: number
  /** Pid of the running postmaster (a restart gives a new one). */
  readonly pid: number
  /** Fast shutdown (SIGINT, as `pg_ctl stop -m fast`): the data stays, `start()` brings it back. */
  stopServer(): Promise<void>
  /** Starts the same cluster again on the same port. */
  start(): Promise<void>
  /** A one-off query as the superuser (for assertions). */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>
  /** Stops the server and removes the temp dir. */
  stop(): Promise<void>
}

const READY_TIMEOUT_MS = 20_000
const STOP_GRACE_MS = 10_000
const INSTALL_HINT = 'apt-get install -y postgresql'

/** The directory holding initdb and postgres: PG_BIN, else the newest Debian /usr/lib/postgresql/<v>/bin. */
function binDir(): string | undefined {
  const fromEnv = process.env.PG_BIN
  if (fromEnv && existsSync(join(fromEnv, 'postgres'))) return fromEnv
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'postgres')) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] ? join(root, versions[0], 'bin') : undefined
}

/** Whether the Postgres server binaries are installed (for callers that can do without, like the bench). */
export function postgresAvailable(): boolean {
  return binDir() !== undefined
}

/**
 * `true` when `suite` must skip: Postgres is missing and REQUIRE_POSTGRES is not set (it prints why).
 * With REQUIRE_POSTGRES=1, as in CI, a missing Postgres is an error, never a silent skip.
 */
export function requirePostgresOrSkip(suite: string): boolean {
  if (binDir()) return false
  if (process.env.REQUIRE_POSTGRES === '1') throw new Error(`REQUIRE_POSTGRES=1 but the Postgres server binaries are not installed (${INSTALL_HINT})`)
  process.stdout.write(`SKIP ${suite}: Postgres server binaries not installed (${INSTALL_HINT})\n`)
  return true
}

/** initdb and postgres refuse to run as root: as root, the cluster runs as the `postgres` system user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim())
  const uid = id('-u')
  const gid = id('-g')
  if (!Number.isInteger(uid) || uid <= 0) throw new Error('running as root needs a `postgres` system user (installed with the postgresql package)')
  return { uid, gid }
}

const live = new Set<ChildProcess>()
let exitHookInstalled = false
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // SIGQUIT: immediate shutdown, the postmaster takes its backends with it (SIGKILL would orphan them).
  process.on('exit', () => {
    for (const child of live) child.kill('SIGQUIT')
  })
}

async function ready(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 1000 })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir()
  if (!bin) throw new Error(`Postgres server binaries not found (${INSTALL_HINT})`)
  const owner = runAs()
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-pg-'))
  if (owner) chownSync(dir, owner.uid, owner.gid)
  const data = join(dir, 'data')
  const spawnAs = owner ? { uid: owner.uid, gid: owner.gid } : {}
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C'], {
    ...spawnAs,
    cwd: dir,
    encoding: 'utf8',
  })
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`initdb failed: ${init.stderr || init.stdout}`)
  }
  const port = await freePort()
  const connectionString = `postgres://postgres@127.0.0.1:${port}/postgres`
  let child: ChildProcess | undefined

  const launch = async () => {
    const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
    const started = spawn(join(bin, 'postgres'), args, { ...spawnAs, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
    if (started.pid === undefined) throw new Error('could not spawn postgres')
    live.add(started)
    installExitHook()
    let stderr = ''
    started.stderr?.setEncoding('utf8')
    started.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000)
    })
    child = started
    const deadline = Date.now() + READY_TIMEOUT_MS
    while (Date.now() < deadline) {
      if (exited(started)) {
        live.delete(started)
        throw new Error(`postgres exited early (code ${started.exitCode}): ${stderr}`)
      }
      if (await ready(connectionString)) return
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`postgres did not accept connections on port ${port} within ${READY_TIMEOUT_MS} ms: ${stderr}`)
  }

  const stopServer = async () => {
    const running = child
    if (!running) return
    if (!exited(running)) {
      running.kill('SIGINT')
      if (!(await waitForExit(running, STOP_GRACE_MS))) {
        running.kill('SIGQUIT')
        await waitForExit(running, STOP_GRACE_MS)
      }
    }
    live.delete(running)
    child = undefined
  }

  try {
    await launch()
  } catch (error) {
    await stopServer()
    rmSync(dir, { recursive: true, force: true })
    throw error
  }

  return {
    connectionString,
    port,
    get pid() {
      return child?.pid as number
    },
    stopServer,
    start: launch,
    async query(text, values) {
      const client = new pg.Client({ connectionString })
      await client.connect()
      try {
        return (await client.query(text, values)).rows
      } finally {
        await client.end()
      }
    },
    async stop() {
      await stopServer()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
