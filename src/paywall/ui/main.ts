/**
 * The browser paywall widget: reads the route's challenge from the page, finds the buyer's
 * wallets, pays (or spends a prepaid credential) and shows the paid answer in place. Bundled by
 * scripts/paywall-ui.mjs into src/paywall/generated/paywall-script.ts and inlined in every page.
 */
import { button, el, setBusy, setStatus } from './dom.js'
import { decodeHeader, formatUnits, shortAddress } from './encode.js'
import { allFamilies, familyFor, type AnyFamily } from './families.js'
import { accepted, forgetCredential, listPackages, loadCredential, saveCredential, SPENT_CREDENTIAL, type PackageListing, type StoredCredential } from './prepaid.js'
import { showResult } from './show-result.js'
import type { PageData, PaymentRequired, PrepaidOffer, Requirement, Wallet } from './types.js'
import { errorCode, errorText, PayError, USER_REJECTED } from './wallet-errors.js'
import { tokenOf } from './tokens.js'

/** What the widget asks for when it fetches the paid answer: what a navigation would accept. */
const ACCEPT = 'text/html,application/json;q=0.9,*/*;q=0.8'
/** How long wallets get to announce themselves before `window.ethereum` is offered instead, or none is reported. */
const DISCOVERY_GRACE_MS = 400

const data = JSON.parse(document.getElementById('tg-data')?.textContent ?? 'null') as PageData
const app = document.getElementById('tg-app') as HTMLElement
const status = el('p', { class: 'tg-status', id: 'tg-status', role: 'status' })
const credentialBox = el('div', { id: 'tg-credential' })
const walletList = el('div', { id: 'tg-wallet-list' })
const walletBox = el('div', { id: 'tg-wallets' }, el('h2', {}, 'Pay with your wallet'), walletList)
const actions = el('div', { id: 'tg-actions' })
const prepaidBox = el('div', { id: 'tg-prepaid' })
app.replaceChildren(credentialBox, walletBox, actions, prepaidBox, status)

const payable = data.required.accepts.map((requirement, index) => ({ requirement, index, family: familyFor(requirement, tokenOf(data, requirement)) }))
let choice = payable.find((p) => p.family)
let connected: { wallet: Wallet<unknown>; account: string; family: AnyFamily } | undefined
const offer = data.required.extensions?.prepaid as PrepaidOffer | undefined

const price = (r: Requirement) => {
  const token = tokenOf(data, r)
  const text = token ? `${formatUnits(BigInt(r.amount), token.decimals)} ${token.name}` : `${r.amount} atomic units`
  // upto: the buyer signs for a maximum, and the seller charges what the request cost.
  return r.scheme === 'upto' ? `up to ${text}` : text
}
const networkName = (network: string) => data.networks[network] ?? network
const busy = (on: boolean) => setBusy(app, on)
const progress = (text: string) => setStatus(status, 'busy', text)

markAccepts()
if (!choice) setStatus(status, 'info', 'This page cannot pay on these networks yet: use an x402 client to pay this URL.', 'no_payable_network')
else startDiscovery()
if (offer) void initPrepaid(offer)

/** With several ways to pay, each payable one gets a radio button; the others say why not. */
function markAccepts(): void {
  const items = Array.from(document.querySelectorAll<HTMLLIElement>('#tg-accepts li'))
  const several = payable.filter((p) => p.family).length > 1
  payable.forEach((p, i) => {
    const item = items[i]
    if (!item) return
    if (!p.family) {
      item.classList.add('tg-off')
      return void (item.querySelector('.tg-net') ?? item).append(' (not payable in this page)')
    }
    if (!several) return
    const radio = el('input', { type: 'radio', name: 'tg-accept', value: String(p.index), 'aria-label': `${price(p.requirement)} on ${networkName(p.requirement.network)}` })
    radio.checked = p === choice
    radio.addEventListener('change', () => {
      choice = p
      // A wallet of another family cannot pay this way: offer the wallets again.
      if (connected && connected.family !== p.family) disconnect()
      const payButton = actions.querySelector('button[data-action="pay"]')
      if (payButton) payButton.textContent = `Pay ${price(p.requirement)}`
    })
    // The whole line picks it, not only the small circle.
    item.addEventListener('click', (event) => event.target !== radio && !radio.disabled && radio.click())
    item.prepend(radio)
  })
}

/** Each family with a way to pay here looks for its own wallets; all are offered side by side. */
function startDiscovery(): void {
  const wanted = allFamilies.filter((family) => payable.some((p) => p.family === family))
  let offered = 0
  const offer = (family: AnyFamily) => (wallet: Wallet<unknown>) => {
    offered++
    if (status.dataset.code === 'no_wallet') setStatus(status, 'info', '')
    const icon = wallet.info.icon ? el('img', { src: wallet.info.icon, alt: '' }) : null
    const label = wanted.length > 1 ? `Connect ${wallet.info.name} (${family.label})` : `Connect ${wallet.info.name}`
    const b = button([icon, label], () => void connect(wallet, family), false, 'connect')
    b.dataset.wallet = wallet.info.name
    b.dataset.family = family.namespace
    walletList.append(b)
  }
  const fallbacks = wanted.map((family) => ({ family, fallback: family.discover(offer(family)) }))
  setTimeout(() => {
    if (offered > 0) return
    for (const { family, fallback } of fallbacks) {
      const injected = fallback()
      if (injected) offer(family)(injected)
    }
    if (offered > 0) return
    const kinds = wanted.map((f) => (f.namespace === 'solana' ? 'a Solana wallet (Phantom, Solflare, Backpack…)' : 'a browser wallet (MetaMask, Coinbase Wallet, Rabby…)'))
    setStatus(status, 'error', `No wallet found. Install ${kinds.join(' or ')} and reload this page.`, 'no_wallet')
  }, DISCOVERY_GRACE_MS)
}

function disconnect(): void {
  connected = undefined
  walletBox.querySelector('#tg-account')?.remove()
  walletList.hidden = false
  actions.replaceChildren()
  setStatus(status, 'info', '')
}

async function connect(wallet: Wallet<unknown>, family: AnyFamily): Promise<void> {
  // Connecting a wallet of another family picks this family's first way to pay.
  if (choice?.family !== family) {
    choice = payable.find((p) => p.family === family)
    const radio = document.querySelector<HTMLInputElement>(`#tg-accepts input[value="${choice?.index}"]`)
    if (radio) radio.checked = true
  }
  if (!choice) return
  busy(true)
  progress(`Connecting ${wallet.info.name}…`)
  try {
    const account = await family.connect(wallet)
    connected = { wallet, account, family }
    walletList.hidden = true
    walletBox.append(el('p', { class: 'tg-small', id: 'tg-account' }, `Connected ${wallet.info.name}: ${shortAddress(account)}`))
    actions.replaceChildren(button(`Pay ${choice ? price(choice.requirement) : ''}`, () => void payOnce(), false, 'pay'))
    setStatus(status, 'info', '')
  } catch (error) {
    fail(error, errorCode(error) === USER_REJECTED ? new PayError('user_rejected', 'You declined to connect your wallet.') : undefined)
  } finally {
    busy(false)
  }
}

/** Signs for the chosen requirement and returns the PAYMENT-SIGNATURE value. */
async function sign(requirement: Requirement, required: PaymentRequired, refresh?: () => Promise<Requirement | undefined>): Promise<string> {
  if (!connected) throw new PayError('no_wallet', 'Connect a wallet first.')
  return connected.family.pay({
    wallet: connected.wallet,
    account: connected.account,
    requirement,
    token: tokenOf(data, requirement),
    networkName: networkName(requirement.network),
    resource: required.resource,
    ...(required.extensions ? { extensions: required.extensions } : {}),
    progress,
    ...(refresh ? { refresh } : {}),
  })
}

/** This URL's requirement as the seller states it now (JSON 402 from the page's own origin), matched on its terms. */
async function refreshed(requirement: Requirement): Promise<Requirement | undefined> {
  const response = await fetch(location.href, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' }).catch(() => undefined)
  const required = decodeHeader<PaymentRequired>(response?.headers.get('payment-required') ?? null)
  const same = (r: Requirement) => r.scheme === requirement.scheme && r.network === requirement.network && r.asset === requirement.asset && r.payTo === requirement.payTo && r.amount === requirement.amount
  return Array.isArray(required?.accepts) ? required.accepts.find(same) : undefined
}

async function payOnce(): Promise<void> {
  if (!choice) return
  busy(true)
  try {
    const requirement = choice.requirement
    const header = await sign(requirement, data.required, () => refreshed(requirement))
    progress('Payment signed; waiting for the seller to settle it…')
    const response = await fetch(location.href, { headers: { 'payment-signature': header, accept: ACCEPT }, credentials: 'same-origin', cache: 'no-store' })
    if (!response.ok) return refused(response)
    const settled = decodeHeader<{ transaction?: string }>(response.headers.get('payment-response'))
    const tx = settled?.transaction ? ` (transaction ${shortAddress(settled.transaction)})` : ''
    await showResult(response, app, `Paid ${price(choice.requirement)}${tx}.`)
  } catch (error) {
    fail(error)
  } finally {
    busy(false)
  }
}

/** The seller's refusal, in its own words: reason code, message and detail of the JSON answer. */
async function refused(response: Response, prefix = 'The payment did not go through'): Promise<void> {
  const body = (await response.json().catch(() => undefined)) as { error?: string; message?: string; detail?: string } | undefined
  const code = typeof body?.error === 'string' ? body.error : `http_${response.status}`
  // A family's plainer reading of the code replaces the seller's technical detail.
  const explained = connected?.family.explain?.(code)
  const reason = [body?.message, explained ?? body?.detail].filter((s) => typeof s === 'string' && s !== '').join(' ')
  setStatus(status, 'error', `${prefix}: ${reason || `the seller answered ${response.status}`} (${code})`, code)
}

function fail(error: unknown, known?: PayError): void {
  const shown = known ?? (error instanceof PayError ? error : new PayError('wallet_error', `Something went wrong: ${errorText(error)}`))
  setStatus(status, 'error', shown.message, shown.code)
}

async function initPrepaid(offer: PrepaidOffer): Promise<void> {
  const saved = loadCredential(offer)
  if (saved && accepted(offer, { id: saved.package })) {
    credentialBox.replaceChildren(
      el('h2', {}, 'Your prepaid package'),
      button(`Use your ${saved.package} package`, () => void spend(offer, saved), false, 'use-credential'),
    )
  }
  const packages = await listPackages(offer).catch(() => [])
  if (packages.length === 0) return
  prepaidBox.replaceChildren(el('h2', {}, 'Or buy a prepaid package'), ...packages.map((pkg) => packageLine(offer, pkg)))
}

function packageLine(offer: PrepaidOffer, pkg: PackageListing): HTMLElement {
  const cost = pkg.price.map((p) => price({ ...p, scheme: 'exact', payTo: '', maxTimeoutSeconds: 0 })).join(' or ')
  const label = `${plural(pkg.calls, 'call')} for ${plural(pkg.days, 'day')}: ${cost}`
  const buy = button(`Buy ${pkg.id}`, () => void purchase(offer, pkg), true, 'buy')
  buy.dataset.package = pkg.id
  return el('div', { class: 'tg-package' }, el('p', { class: 'tg-small' }, pkg.description ? `${pkg.description}. ${label}` : label), buy)
}

async function purchase(offer: PrepaidOffer, pkg: PackageListing): Promise<void> {
  if (!connected) return setStatus(status, 'info', 'Connect a wallet above first.', 'connect_first')
  busy(true)
  try {
    // One key for both requests: a purchase whose answer was lost can be asked again for the same credential.
    const headers = { 'idempotency-key': crypto.randomUUID(), accept: 'application/json' }
    const challenge = await fetch(pkg.purchase.url, { method: 'POST', headers, credentials: 'same-origin' })
    const required = decodeHeader<PaymentRequired>(challenge.headers.get('payment-required'))
    const preferred = choice?.requirement.network
    const options = required?.accepts.filter((r) => familyFor(r, tokenOf(data, r)) === connected?.family) ?? []
    const requirement = options.find((r) => r.network === preferred) ?? options[0]
    if (challenge.status !== 402 || !required || !requirement) return refused(challenge, 'The package cannot be bought here')
    const header = await sign(requirement, required)
    progress('Payment signed; buying the package…')
    const bought = await fetch(pkg.purchase.url, { method: 'POST', headers: { ...headers, 'payment-signature': header }, credentials: 'same-origin' })
    if (bought.status !== 201) return refused(bought, 'The purchase did not go through')
    const credential = (await bought.json()) as StoredCredential
    saveCredential(offer, credential)
    await spend(offer, credential, true)
  } catch (error) {
    fail(error)
  } finally {
    busy(false)
  }
}

async function spend(offer: PrepaidOffer, credential: StoredCredential, fresh = false): Promise<void> {
  busy(true)
  progress('Using your prepaid package…')
  try {
    const response = await fetch(location.href, { headers: { [offer.header]: credential.credential, accept: ACCEPT }, credentials: 'same-origin', cache: 'no-store' })
    if (!response.ok) {
      const copy = response.clone()
      const body = (await copy.json().catch(() => undefined)) as { error?: string } | undefined
      if (body?.error && SPENT_CREDENTIAL.includes(body.error)) {
        forgetCredential(offer)
        credentialBox.replaceChildren()
      }
      return refused(response, 'Your prepaid package was not accepted')
    }
    const left = response.headers.get('x-prepaid-remaining')
    const bought = fresh ? `Bought the ${credential.package} package. ` : ''
    await showResult(response, app, `${bought}Paid with your ${credential.package} package${left !== null && /^\d+$/.test(left) ? `: ${plural(Number(left), 'call')} left` : ''}.`)
  } catch (error) {
    fail(error)
  } finally {
    busy(false)
  }
}

/** '1 call', '2 calls', '0 calls'. */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
