import type { IncomingMessage } from 'node:http'
import { startServer, type TestServer } from '../support/http.js'

export type Answer = 'allow' | 'deny' | 'review' | 'hang' | 'error' | 'garbage'

export interface RiskService extends TestServer {
  /** What the service answers for a payer (lowercase address); `fallback` for anyone else. */
  answers: Map<string, Answer>
  fallback: Answer
  /** Every input the service received, parsed. */
  inputs: Array<Record<string, any>>
}

async function readJson(req: IncomingMessage): Promise<Record<string, any>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

/** A small risk engine over HTTP on a free loopback port, deciding by payer, numbering its decisions. */
export async function startRiskService(): Promise<RiskService> {
  const answers = new Map<string, Answer>()
  const inputs: Array<Record<string, any>> = []
  let n = 0
  const service: Partial<RiskService> = { answers, fallback: 'allow', inputs }
  const server = await startServer(async (req, res) => {
    if (req.method !== 'POST' || req.headers['content-type'] !== 'application/json') {
      res.writeHead(415).end()
      return
    }
    const input = await readJson(req)
    inputs.push(input)
    const payer = String(input.payment?.payer ?? '').toLowerCase()
    const answer = answers.get(payer) ?? service.fallback!
    if (answer === 'hang') return
    if (answer === 'error') {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"engine broke"}')
      return
    }
    if (answer === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"decision":"maybe"}')
      return
    }
    const body = { decision: answer, id: `dec-${++n}`, reasons: [`rule:${answer}`], ...(answer === 'review' ? { retryAfterSeconds: 30 } : {}) }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  return Object.assign(service, server) as RiskService
}
