/**
 * A small endpoint of the seller's own (a metrics scrape, a health check) served the same way by
 * every adapter: `app.get('/metrics', serveAnswer(metrics.scrape))`. The producer gives a JSON
 * answer (tollgate's HttpAnswer) or a text one; the adapters only translate it. Framework-free.
 */
import { answerText, type HttpAnswer, type RequestLike } from '../src/index.js'

/** An answer whose body is already text (e.g. Prometheus exposition), sent as it is. */
export interface TextAnswer {
  status: number
  headers: Record<string, string>
  text: string
}

export type ServableAnswer = HttpAnswer | TextAnswer

/** What `serveAnswer` calls for each request; it may ignore the request. */
export type AnswerProducer = (request: RequestLike) => ServableAnswer | Promise<ServableAnswer>

/** The body to send: the text as given, or the JSON answer serialised (null for none). */
export function servableText(answer: ServableAnswer): string | null {
  return 'text' in answer && typeof answer.text === 'string' ? answer.text : answerText(answer as HttpAnswer)
}

/** Calls the producer so that a throw becomes a rejection, which each framework reports as its own error. */
export function produceAnswer(produce: AnswerProducer, request: RequestLike): Promise<ServableAnswer> {
  return Promise.resolve().then(() => produce(request))
}
