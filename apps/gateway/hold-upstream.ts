/**
 * The upstream's answer to a payment not yet settled, read whole before the paywall settles it,
 * within the route's held-bytes cap: the library's `after-handler` rule (charge for an answer known
 * to have succeeded) applied to a body that arrives over the network. An upstream that breaks its
 * answer off before the end is a failed answer (502, nothing charged), not a truncated sale. Past
 * the cap the route's `overflow` decides, as in the library: 'settle' charges and streams the rest
 * live (a later break does not refund), 'refuse' answers 502 response_too_large and charges nothing.
 */
import { Readable } from 'node:stream'
import type { HoldPolicy } from '../../src/index.js'

export type HeldAnswer =
  | { kind: 'whole'; body: Buffer }
  | { kind: 'broken' }
  /** Over the cap: what was read, then the rest of the upstream's body, as one stream. */
  | { kind: 'overflow'; stream: Readable }

export function holdUpstreamAnswer(body: Readable, hold: HoldPolicy): Promise<HeldAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = (answer: HeldAnswer) => {
      body.off('data', onData).off('end', onEnd).off('error', onBroken).off('close', onBroken)
      resolve(answer)
    }
    const onData = (chunk: Buffer) => {
      chunks.push(chunk)
      size += chunk.length
      if (size <= hold.maxBytes) return
      body.pause()
      done({ kind: 'overflow', stream: Readable.from(rest(chunks, body)) })
    }
    const onEnd = () => done({ kind: 'whole', body: Buffer.concat(chunks) })
    // 'close' before 'end': the upstream's connection went away mid-answer.
    const onBroken = () => done({ kind: 'broken' })
    body.on('data', onData).once('end', onEnd).once('error', onBroken).once('close', onBroken)
  })
}

async function* rest(read: Buffer[], body: Readable): AsyncGenerator<Buffer> {
  yield* read
  for await (const chunk of body) yield chunk as Buffer
}
