/**
 * Writing tollgate's own answers on a Node response, and keeping outer middleware's headers
 * when the handler's answer is replaced.
 */
import type { ServerResponse } from 'node:http'
import { answerText, mergeHeaders, type HttpAnswer } from '../src/index.js'
import { servableText, type ServableAnswer } from './serve-answer.js'

export function sendAnswer(res: ServerResponse, answer: HttpAnswer): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.statusCode = answer.status
  setHeaders(res, answer.headers)
  res.end(answerText(answer) ?? undefined)
}

/** Sets an answer's headers, extending (not replacing) the response's expose list. */
export function setHeaders(res: ServerResponse, headers: Record<string, string>): void {
  // On every prepaid call: the merge only when both sides have an expose list, keys rather than entries.
  const merge = headers['access-control-expose-headers'] !== undefined && res.hasHeader('access-control-expose-headers')
  const merged = merge ? mergeHeaders(headers, (n) => res.getHeader(n)) : headers
  for (const name of Object.keys(merged)) res.setHeader(name, merged[name] as string)
}

export interface HeaderBag {
  getHeaders(): Record<string, unknown>
  removeHeader(name: string): void
  setHeader(name: string, value: never): void
}

/**
 * Remembers the headers set before the handler ran (CORS and the like from outer middleware) and
 * returns a function that puts exactly those back, dropping whatever the handler added or changed.
 */
export function keepHeaders(bag: HeaderBag): () => void {
  const before = { ...bag.getHeaders() }
  return () => {
    for (const name of Object.keys(bag.getHeaders())) bag.removeHeader(name)
    for (const [name, value] of Object.entries(before)) if (value !== undefined) bag.setHeader(name, value as never)
  }
}

/** Drops a held body the buyer will not get; a stream is stopped so its producer does not run on. */
export function discardBody(body: unknown): void {
  if (body instanceof Response) void body.body?.cancel().catch(() => undefined)
  else if (body instanceof ReadableStream) void body.cancel().catch(() => undefined)
  else if (typeof (body as { destroy?: unknown } | null)?.destroy === 'function') (body as { destroy(): void }).destroy()
}

/** Sends a seller endpoint's answer (see serve-answer.ts) on a Node response. */
export function sendServable(res: ServerResponse, answer: ServableAnswer): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.statusCode = answer.status
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value)
  res.end(servableText(answer) ?? undefined)
}
