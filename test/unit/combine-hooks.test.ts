import { describe, expect, it } from 'vitest'
import { combineHooks } from '../../src/hooks/combine-hooks.js'
import type { AuthorizeEvent, SettledEvent } from '../../src/hooks/hook-types.js'

const settled = { route: 'r' } as unknown as SettledEvent
const asked = { route: 'r' } as unknown as AuthorizeEvent

describe('combineHooks', () => {
  it('runs every watching hook in order, even after one throws, then rethrows the first error', () => {
    const heard: string[] = []
    const hooks = combineHooks(
      { onSettled: () => void heard.push('a') },
      undefined,
      { onSettled: () => { heard.push('b'); throw new Error('b failed') } },
      { onSettled: () => void heard.push('c'), onRejected: () => void heard.push('rejected') },
    )
    expect(() => hooks.onSettled!(settled)).toThrow('b failed')
    expect(heard).toEqual(['a', 'b', 'c'])
    expect(hooks.onChallenge).toBeUndefined()
  })

  it('authorize: every part must allow; the first denial wins and later parts are not asked', async () => {
    const asks: string[] = []
    const deny = { allow: false as const, status: 429, reason: 'rate_limited' }
    const hooks = combineHooks(
      { authorize: () => (asks.push('first'), true), authorizeTimeoutMs: 100 },
      { authorize: async () => (asks.push('second'), deny), authorizeTimeoutMs: 300 },
      { authorize: () => (asks.push('third'), true) },
    )
    expect(await hooks.authorize!(asked)).toEqual(deny)
    expect(asks).toEqual(['first', 'second'])
    expect(hooks.authorizeTimeoutMs).toBe(300)
    expect(await combineHooks({ authorize: () => ({ allow: true }) }, { authorize: () => true }).authorize!(asked)).toBe(true)
  })

  it('passes a non-verdict through, so the gate fails closed on it as for a single hook', async () => {
    const hooks = combineHooks({ authorize: () => 'yes' as never }, { authorize: () => true })
    expect(await hooks.authorize!(asked)).toBe('yes')
  })
})
