export type BodyRead = { ok: true; value: unknown } | { ok: false; status: 400 | 413; message: string }

/** A Request or a Response: anything with headers and a body stream. */
export interface BodyCarrier {
  readonly headers: { get(name: string): string | null }
  readonly body: ReadableStream<Uint8Array> | null
}

/**
 * The bytes of a body (a request's, or a facilitator's answer), or null when it is larger than
 * `maxBytes`: a declared length over the cap is refused unread, and a streamed body is cancelled as
 * soon as it passes the cap, so a peer cannot make us pull (or its producer generate) more than that.
 */
export async function readBoundedBytes(request: BodyCarrier, maxBytes: number): Promise<Uint8Array | null> {
  const declared = Number(request.headers.get('content-length') ?? '0')
  if (declared > maxBytes) {
    cancel(request.body?.cancel())
    return null
  }
  const chunks: Uint8Array[] = []
  let size = 0
  if (request.body) {
    const reader = request.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        cancel(reader.cancel())
        return null
      }
      chunks.push(value)
    }
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/** Reads a JSON body without ever holding more than `maxBytes` of it: a declared or streamed excess is a 413. */
export async function readJsonBody(request: Request, maxBytes: number): Promise<BodyRead> {
  const bytes = await readBoundedBytes(request, maxBytes)
  if (!bytes) return { ok: false, status: 413, message: `body over ${maxBytes} bytes` }
  try {
    return { ok: true, value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown }
  } catch {
    return { ok: false, status: 400, message: 'the body is not JSON' }
  }
}

/**
 * Not awaited: cancelling one branch of a tee (a cloned Request) settles only once the other branch
 * is cancelled too, and that branch is the handler's.
 */
function cancel(done: Promise<void> | undefined): void {
  done?.catch(() => undefined)
}
