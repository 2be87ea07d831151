/**
 * Reads a small JSON request body for Node adapters whose framework has no parser of its own
 * (Koa): bounded, so a purchase request cannot make the seller buffer megabytes.
 */
import type { IncomingMessage } from 'node:http'
import type { HttpAnswer } from '../src/index.js'

const LIMIT_BYTES = 16 * 1024

export type JsonBody = { ok: true; value: unknown } | { ok: false; answer: HttpAnswer }

export async function readJsonBody(req: IncomingMessage): Promise<JsonBody> {
  if (!/\bjson\b/i.test(req.headers['content-type'] ?? '')) return { ok: true, value: undefined }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > LIMIT_BYTES) return refuse(413, 'The request body is larger than 16 KiB.')
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') return { ok: true, value: undefined }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return refuse(400, 'The request body is not valid JSON.')
  }
}

function refuse(status: number, message: string): JsonBody {
  return { ok: false, answer: { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: { error: 'invalid_payload', message } } }
}
