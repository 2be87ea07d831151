import { Reason } from '../errors/reasons.js'
import type { HttpAnswer } from '../gate/decision.js'
import { readBoundedBytes } from './read-body.js'

/** Request bodies tollgate reads (a purchase's package id) are tiny: anything larger is refused. */
export const JSON_BODY_LIMIT_BYTES = 16 * 1024

export type JsonBody = { ok: true; value: unknown } | { ok: false; answer: HttpAnswer }

/** The answer to a body tollgate cannot use: 400 when it is not JSON, 413 when it is over the limit. */
export function jsonBodyRefusal(status: 400 | 413): HttpAnswer {
  const message = status === 413 ? 'The request body is larger than 16 KiB.' : 'The request body is not valid JSON.'
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: { error: Reason.invalidPayload, message } }
}

/** Parses a body read by an adapter; a body that does not say it is JSON, or is empty, carries nothing. */
export function parseJsonBody(text: string, contentType: string | null | undefined): JsonBody {
  if (!/\bjson\b/i.test(contentType ?? '') || text.trim() === '') return { ok: true, value: undefined }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false, answer: jsonBodyRefusal(400) }
  }
}

/**
 * Reads a Web Request's body by the rules of `parseJsonBody`, never holding more than
 * JSON_BODY_LIMIT_BYTES of it: a body that does not say it is JSON is left unread.
 */
export async function readWebJsonBody(request: Request): Promise<JsonBody> {
  const contentType = request.headers.get('content-type')
  if (!/\bjson\b/i.test(contentType ?? '')) return { ok: true, value: undefined }
  const bytes = await readBoundedBytes(request, JSON_BODY_LIMIT_BYTES)
  if (!bytes) return { ok: false, answer: jsonBodyRefusal(413) }
  return parseJsonBody(new TextDecoder().decode(bytes), contentType)
}
