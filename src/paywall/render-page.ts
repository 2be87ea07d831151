/**
 * The page itself: the seller's template (or the default) around the widget, which is the
 * server-rendered description and prices (readable without script), the data the script pays
 * with, and the inlined script. Rendered once per challenge; only the nonce changes per response.
 */
import { PAYWALL_SCRIPT } from './generated/paywall-script.js'
import { escapeHtml, jsonInScript } from './escape-html.js'
import { DEFAULT_TEMPLATE, fillTemplate } from './fill-template.js'
import { priceLines, type PageData } from './page-data.js'
import type { PaywallPageOptions } from './page-options.js'
import { pageStyles } from './page-styles.js'

/** Stands in for the nonce until a response gets its own: no template or value can contain it. */
export const NONCE_SLOT = '\u0000nonce\u0000'

export function renderPage(options: PaywallPageOptions, data: PageData): string {
  const description = data.required.resource.description ?? ''
  const title = options.title ?? (description || 'Payment required')
  const lines = priceLines(data)
  const logo = options.logoUrl ? `<img class="tg-logo" src="${escapeHtml(options.logoUrl)}" alt="">` : ''
  const accepts = lines.map((line) => `<li><span class="tg-amount">${escapeHtml(line.price)}</span><span class="tg-net">${escapeHtml(line.network)}</span></li>`).join('')
  const widget =
    `<style>${pageStyles(options.colors)}</style>` +
    `<main class="tg"><section class="tg-card" aria-live="polite">${logo}<h1>${escapeHtml(title)}</h1>` +
    (description && description !== title ? `<p class="tg-desc">${escapeHtml(description)}</p>` : '') +
    `<ul class="tg-accepts" id="tg-accepts">${accepts}</ul>` +
    `<div id="tg-app"><noscript><p>Paying in the browser needs JavaScript and a wallet. Programs pay this URL with any x402 client.</p></noscript></div>` +
    `</section></main>` +
    `<script type="application/json" id="tg-data">${jsonInScript(data)}</script>` +
    `<script nonce="${NONCE_SLOT}">${PAYWALL_SCRIPT}</script>`
  return fillTemplate(options.template ?? DEFAULT_TEMPLATE, {
    paywall: widget,
    title: escapeHtml(title),
    description: escapeHtml(description),
    price: escapeHtml(lines.map((line) => `${line.price} (${line.network})`).join(' or ')),
    nonce: NONCE_SLOT,
  })
}
