/**
 * Reads a small JSON request body for Node adapters whose framework has no parser of its own
 * (Koa): bounded while streaming, so a purchase request cannot make the seller buffer megabytes.
 */
import type { IncomingMessage } from 'node:http'
import { JSON_BODY_LIMIT_BYTES, jsonBodyRefusal, parseJsonBody, type JsonBody } from '../src/index.js'

export async function readJsonBody(req: IncomingMessage): Promise<JsonBody> {
  const contentType = req.headers['content-type']
  if (!/\bjson\b/i.test(contentType ?? '')) return { ok: true, value: undefined }
  if (Number(req.headers['content-length'] ?? '0') > JSON_BODY_LIMIT_BYTES) return { ok: false, answer: jsonBodyRefusal(413) }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > JSON_BODY_LIMIT_BYTES) return { ok: false, answer: jsonBodyRefusal(413) }
    chunks.push(chunk)
  }
  return parseJsonBody(Buffer.concat(chunks).toString('utf8'), contentType)
}
