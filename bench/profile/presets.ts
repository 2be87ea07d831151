/**
 * The paths issue 17 asks to profile, each as one server of bench/servers/serve.ts with the env and
 * headers the bench gives it (bench/run.ts), so a profile shows exactly the benchmarked work.
 */
import { KeyRing } from '../../src/prepaid/credential-keys.js'

export interface Preset {
  scenario: string
  env?: Record<string, string>
  headers?: Record<string, string>
  /** The status every answer must have. */
  status: number
}

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const SECRET = 'bench-prepaid-secret-of-at-least-32-bytes'

function credential(): string {
  const now = Math.floor(Date.now() / 1000)
  return new KeyRing([{ id: 'default', secret: SECRET }]).sign({
    jti: crypto.randomUUID(),
    sub: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
    aud: `tollgate:${PAY_TO.toLowerCase()}`,
    pkg: 'bench',
    calls: 100_000_000,
    iat: now,
    exp: now + 86_400,
  })
}

export function presets(): Record<string, Preset> {
  const prepaidHeaders = { 'x-prepaid-credential': credential() }
  return {
    'express': { scenario: 'express-tollgate', status: 402 },
    'express-bare': { scenario: 'express-bare', status: 200 },
    'express-static402': { scenario: 'express-static402', status: 402 },
    'fastify': { scenario: 'fastify-tollgate', status: 402 },
    'fastify-bare': { scenario: 'fastify-bare', status: 200 },
    'fastify-static402': { scenario: 'fastify-static402', status: 402 },
    'koa': { scenario: 'koa-tollgate', status: 402 },
    'koa-bare': { scenario: 'koa-bare', status: 200 },
    'koa-static402': { scenario: 'koa-static402', status: 402 },
    'fixed': { scenario: 'express-tollgate', headers: { 'x-api-key': 'gold' }, status: 402 },
    'dynamic': { scenario: 'express-tollgate-dynamic', headers: { 'x-api-key': 'gold' }, status: 402 },
    // Metrics only unless DATABASE_URL is set in the environment (then Postgres receipts too).
    'observed': { scenario: 'express-tollgate-observed', env: process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}, status: 402 },
    'prepaid': { scenario: 'express-tollgate', env: { PREPAID_SECRET: SECRET }, headers: prepaidHeaders, status: 200 },
    // Needs a Redis on REDIS_PORT.
    'prepaid-redis': {
      scenario: 'express-tollgate',
      env: { PREPAID_SECRET: SECRET, STORE: 'redis', REDIS_PORT: process.env.REDIS_PORT ?? '6379' },
      headers: prepaidHeaders,
      status: 200,
    },
  }
}
