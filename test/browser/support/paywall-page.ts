/**
 * Driving the paywall page like a buyer: open the paywalled URL, connect the wallet, pay, and
 * read what the page says. Every wait is on a condition in the page, never a fixed sleep.
 */
import type { Browser, BrowserContext, Page, Response } from 'playwright-core'
import type { PublicClient } from 'viem'
import { newContext, screenshot, watchConsole, type PageLog } from './chromium.js'
import { installWallet, type WalletLog, type WalletScenario } from './test-wallet.js'

/** Generous: verification and settlement run on anvil on two loaded cores. */
export const UI_TIMEOUT_MS = 25_000

export interface Visit {
  context: BrowserContext
  page: Page
  navigation: Response
  wallet: WalletLog | undefined
  console: PageLog
  close(): Promise<void>
}

export async function visit(browser: Browser, url: string, chain: { publicClient: PublicClient; chainId: number }, scenario?: WalletScenario): Promise<Visit> {
  const context = await newContext(browser)
  const wallet = scenario ? await installWallet(context, chain.publicClient, chain.chainId, scenario) : undefined
  const page = await context.newPage()
  const log = watchConsole(page)
  const navigation = await page.goto(url)
  if (!navigation) throw new Error(`no response for ${url}`)
  return { context, page, navigation, wallet, console: log, close: () => context.close() }
}

/** Clicks the named wallet's connect button and waits until the page shows the account. */
export async function connect(page: Page, walletName = 'Test Wallet'): Promise<void> {
  await page.locator(`button[data-action="connect"][data-wallet="${walletName}"]`).click({ timeout: UI_TIMEOUT_MS })
  await page.locator('#tg-account').waitFor({ timeout: UI_TIMEOUT_MS })
}

export async function pay(page: Page): Promise<void> {
  await page.locator('button[data-action="pay"]').click({ timeout: UI_TIMEOUT_MS })
}

/** Waits for the status line to show an error and returns its code and text. */
export async function errorShown(page: Page): Promise<{ code: string | null; text: string }> {
  const status = page.locator('#tg-status[data-kind="error"]')
  await status.waitFor({ timeout: UI_TIMEOUT_MS })
  return { code: await status.getAttribute('data-code'), text: (await status.textContent()) ?? '' }
}

export async function shot(page: Page, name: string): Promise<void> {
  await screenshot(page, name)
}
