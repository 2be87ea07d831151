/**
 * What a seller may change of the browser paywall page, and the checks on it. Every value ends up
 * in HTML or CSS, so each is checked for shape here and escaped again where it is written.
 */
import { isRecord, kindOf, show, unknownKeyProblems, type Problems } from '../config/config-shape.js'
import { TEMPLATE_PLACEHOLDERS } from './fill-template.js'

export interface PaywallPageColors {
  /** Buttons and links (default a blue). */
  accent?: string
  /** The page behind the card. */
  background?: string
  /** The card. */
  surface?: string
  text?: string
}

/**
 * The page a browser gets on a paywalled route (see the README, "Browser paywall"). `false` turns it
 * off: browsers then get the JSON 402 like any client.
 */
export interface PaywallPageOptions {
  /** Heading and document title (default: the route's description). */
  title?: string
  /** Shown above the title: an https URL, a same-origin path ('/logo.svg') or a data:image URL. */
  logoUrl?: string
  /** CSS colours: hex (#1a73e8), rgb()/hsl(), or a colour name. */
  colors?: PaywallPageColors
  /**
   * The seller's own HTML document. `{{paywall}}` (required, once) is where the payment widget goes;
   * `{{title}}`, `{{description}}`, `{{price}}` are filled in escaped; `{{nonce}}` is this response's
   * CSP nonce, for an inline `<script nonce="{{nonce}}">` of the seller's own.
   */
  template?: string
}

const PAGE_KEYS = ['title', 'logoUrl', 'colors', 'template'] as const
const COLOR_KEYS = ['accent', 'background', 'surface', 'text'] as const
const MAX_TEMPLATE_LENGTH = 256 * 1024
/** Characters that could leave a CSS declaration (`;`, braces, quotes, `<`) are never part of one. */
const COLOR = /^(#[0-9a-fA-F]{3,8}|(rgb|rgba|hsl|hsla)\([0-9.,%\s/a-z-]{1,60}\)|[a-zA-Z]{3,30})$/
const DATA_IMAGE = /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+=*$/

/** Problems with a `paywallPage` value (of the configuration or of one route); empty when it is usable. */
export function paywallPageProblems(value: unknown, path = 'paywallPage'): string[] {
  if (value === undefined || value === false) return []
  if (!isRecord(value)) return [`${path} must be false or { title?, logoUrl?, colors?, template? }, not ${kindOf(value)}`]
  const problems: Problems = unknownKeyProblems(value, PAGE_KEYS, path)
  const { title, logoUrl, colors, template } = value
  if (title !== undefined && (typeof title !== 'string' || title === '' || title.length > 200)) problems.push(`${path}.title must be a non-empty string of at most 200 characters, not ${show(title)}`)
  if (logoUrl !== undefined && logoSource(logoUrl) === undefined) {
    problems.push(`${path}.logoUrl ${show(logoUrl)} must be an https URL, a path starting with '/' or a base64 data:image URL`)
  }
  if (colors !== undefined) {
    if (!isRecord(colors)) problems.push(`${path}.colors must be { ${COLOR_KEYS.join(', ')} }, not ${kindOf(colors)}`)
    else {
      problems.push(...unknownKeyProblems(colors, COLOR_KEYS, `${path}.colors`))
      for (const key of COLOR_KEYS) {
        const colour = colors[key]
        if (colour !== undefined && (typeof colour !== 'string' || !COLOR.test(colour))) problems.push(`${path}.colors.${key} ${show(colour)} is not a CSS colour such as '#1a73e8' or 'rgb(26 115 232)'`)
      }
    }
  }
  if (template !== undefined) problems.push(...templateProblems(template, `${path}.template`))
  return problems
}

/** Where the logo comes from, for the page's CSP: 'self', 'data', or an https origin; undefined when unusable. */
export function logoSource(logoUrl: unknown): string | undefined {
  if (typeof logoUrl !== 'string' || logoUrl.length > 64 * 1024) return undefined
  if (logoUrl.startsWith('data:')) return DATA_IMAGE.test(logoUrl) ? 'data' : undefined
  if (/^\/(?!\/)[^\s"'<>\\]*$/.test(logoUrl)) return 'self'
  if (!URL.canParse(logoUrl)) return undefined
  const url = new URL(logoUrl)
  return url.protocol === 'https:' && url.hostname !== '' && !/["'<>\s]/.test(logoUrl) ? url.origin : undefined
}

function templateProblems(template: unknown, path: string): Problems {
  if (typeof template !== 'string') return [`${path} must be an HTML string, not ${kindOf(template)}`]
  if (template.length > MAX_TEMPLATE_LENGTH) return [`${path} is longer than ${MAX_TEMPLATE_LENGTH} characters`]
  const problems: Problems = []
  const found = [...template.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)].map((m) => m[1] ?? '')
  const unknown = [...new Set(found.filter((name) => !(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name)))]
  if (unknown.length > 0) problems.push(`${path}: unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `{{${n}}}`).join(', ')}; allowed: ${TEMPLATE_PLACEHOLDERS.map((n) => `{{${n}}}`).join(', ')}`)
  const widgets = found.filter((name) => name === 'paywall').length
  if (widgets !== 1) problems.push(`${path} must contain {{paywall}} exactly once (where the payment widget goes), found ${widgets}`)
  return problems
}

/** The route's page settings over the configuration's, field by field (colours too); undefined when it is off. */
export function mergePageOptions(config: unknown, route: unknown): PaywallPageOptions | undefined {
  if (route === false || (route === undefined && config === false)) return undefined
  const base = isRecord(config) ? config : {}
  const own = isRecord(route) ? route : {}
  const colors = { ...(isRecord(base.colors) ? base.colors : {}), ...(isRecord(own.colors) ? own.colors : {}) }
  return { ...base, ...own, ...(Object.keys(colors).length > 0 ? { colors } : {}) } as PaywallPageOptions
}
