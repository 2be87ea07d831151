// Values for the README snippets the docs test runs: the same names as preludes/common.ts, with real
// values. The key is anvil's first well-known development key, never a real account's; the RPC endpoint
// is a closed loopback port, so nothing leaves the machine (no snippet run here reaches the chain).
export const privateKey = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' as const
export const rpcUrl = 'http://127.0.0.1:9'
export const handler = async (_request: Request, payment: unknown) => Response.json({ paid: payment })
