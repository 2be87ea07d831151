/**
 * Shows what was paid for, in place: HTML replaces the page (its scripts do not run: the page's
 * CSP allows only the widget's own), JSON is shown formatted, an image is displayed, text is shown
 * as text, anything else downloads as a file.
 */
import { el } from './dom.js'

export async function showResult(response: Response, target: HTMLElement, note: string): Promise<void> {
  const type = (response.headers.get('content-type') ?? '').toLowerCase()
  const disposition = response.headers.get('content-disposition') ?? ''
  if (/^\s*attachment/i.test(disposition) || !(type.startsWith('text/') || type.includes('json') || type.startsWith('image/'))) {
    return download(await response.blob(), fileName(disposition), target, note)
  }
  if (type.startsWith('text/html')) return replacePage(await response.text())
  const result = el('div', { class: 'tg-result', id: 'tg-result', 'data-type': type.split(';')[0] ?? '' })
  if (type.startsWith('image/')) {
    result.append(el('img', { src: URL.createObjectURL(await response.blob()), alt: 'Paid image' }))
  } else {
    const text = await response.text()
    result.append(el('pre', {}, type.includes('json') ? prettyJson(text) : text))
  }
  target.replaceChildren(el('p', { class: 'tg-small', id: 'tg-paid' }, note), result)
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}

function replacePage(html: string): void {
  const parsed = new DOMParser().parseFromString(html, 'text/html')
  document.replaceChild(document.adoptNode(parsed.documentElement), document.documentElement)
}

function download(blob: Blob, name: string, target: HTMLElement, note: string): void {
  const url = URL.createObjectURL(blob)
  const link = el('a', { href: url, download: name, id: 'tg-download' }, `Download ${name} again`)
  target.replaceChildren(el('p', { class: 'tg-small', id: 'tg-paid' }, note), el('div', { class: 'tg-result', id: 'tg-result', 'data-type': 'download' }, el('p', {}, `Your file ${name} is downloading. `, link)))
  link.click()
}

/** The file name from Content-Disposition (filename*, then filename), kept to safe characters. */
function fileName(disposition: string): string {
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition)
  let name = star?.[1] ? safeDecode(star[1]) : (/filename\s*=\s*"?([^";]+)"?/i.exec(disposition)?.[1] ?? '')
  name = name.replace(/[/\\:*?"<>|\u0000-\u001f]/g, '_').trim().slice(0, 120)
  return name || 'download'
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
