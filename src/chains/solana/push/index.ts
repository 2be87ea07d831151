export { solanaPush } from './solana-push.js'
export type { SolanaPushOptions } from './solana-push.js'
