/** `serveAnswer` for the Web adapters (fetch/Hono and Next): a seller endpoint as `(request) => Response`. */
import { produceAnswer, servableText, type AnswerProducer } from './serve-answer.js'
import { webRequestLike } from './web-request.js'

/**
 * `export const GET = serveAnswer(metrics.scrape)` (Next), `app.get('/metrics', (c) => scrape(c.req.raw))`
 * (Hono). A HEAD gets the headers only; a producer's error rejects, for the framework to answer.
 */
export function serveAnswer(produce: AnswerProducer): (request: Request) => Promise<Response> {
  return async (request) => {
    const answer = await produceAnswer(produce, webRequestLike(request))
    const text = request.method === 'HEAD' ? null : servableText(answer)
    return new Response(text, { status: answer.status, headers: answer.headers })
  }
}
