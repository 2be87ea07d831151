import type { HttpAnswer } from './decision.js'

/** Serialised bodies of cached (frozen, shared) answers: a 402 body is the same object on every request. */
const texts = new WeakMap<object, string>()

/** The JSON text of an answer's body (null for none), serialised once per shared body. */
export function answerText(answer: HttpAnswer): string | null {
  if (typeof answer.text === 'string') return answer.text
  const body = answer.body
  if (body === null || body === undefined) return null
  if (typeof body !== 'object' || !Object.isFrozen(body)) return JSON.stringify(body)
  let text = texts.get(body)
  if (text === undefined) {
    text = JSON.stringify(body)
    texts.set(body, text)
  }
  return text
}
