/** Resolves with what `work` gives, or with `fallback` once `timeoutMs` passes or when it throws: a check never hangs or throws. */
export async function within<T>(timeoutMs: number, fallback: T, work: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), timeoutMs)
    // A health check must never keep a process alive that is shutting down.
    timer.unref?.()
  })
  try {
    return await Promise.race([
      (async () => {
        try {
          return await work()
        } catch {
          return fallback
        }
      })(),
      late,
    ])
  } finally {
    clearTimeout(timer)
  }
}
