/**
 * The system Chromium (Debian's `chromium`) driven by playwright-core: no browser download. A suite
 * that needs it skips with the reason printed when it is absent; with REQUIRE_CHROMIUM=1 (CI) a
 * missing browser is an error instead.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p)
const INSTALL_HINT = 'apt-get install -y chromium, or set CHROMIUM_PATH'

export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url))

export function chromiumPath(): string | undefined {
  return CANDIDATES.find((path) => existsSync(path))
}

/** `true` when `suite` must skip (printed); throws under REQUIRE_CHROMIUM=1. */
export function requireChromiumOrSkip(suite: string): boolean {
  if (chromiumPath()) return false
  if (process.env.REQUIRE_CHROMIUM === '1') throw new Error(`REQUIRE_CHROMIUM=1 but no Chromium was found (${INSTALL_HINT})`)
  process.stdout.write(`SKIP ${suite}: Chromium not installed (${INSTALL_HINT})\n`)
  return true
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath()
  if (!executablePath) throw new Error(`no Chromium (${INSTALL_HINT})`)
  // --no-sandbox: the test machines run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] })
}

/** What the page said on its console (errors) and threw (page errors), for the no-errors assertions. */
export interface PageLog {
  errors: string[]
}

/**
 * Collects console errors and uncaught page errors. Chromium reports every non-2xx load as a
 * console error ("Failed to load resource: ... status of 402"): those are the 402s the page is
 * about (the navigation, a purchase's challenge), so only they are left out, by status.
 */
export function watchConsole(page: Page, expectedStatuses: readonly number[] = [402]): PageLog {
  const log: PageLog = { errors: [] }
  page.on('console', (message) => {
    if (message.type() !== 'error') return
    const text = message.text()
    if (expectedStatuses.some((status) => text.startsWith(`Failed to load resource: the server responded with a status of ${status}`))) return
    log.errors.push(text)
  })
  page.on('pageerror', (error) => log.errors.push(`pageerror: ${error.message}`))
  return log
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true })
}

export async function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ acceptDownloads: true, viewport: { width: 900, height: 760 } })
}
