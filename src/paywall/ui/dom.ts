/** A few DOM helpers: the widget builds its elements with text nodes only, never from HTML strings. */

type Child = Node | string | null | undefined | false

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value)
  for (const child of children) if (child) node.append(child)
  return node
}

export function button(label: Child | Child[], onClick: () => void, secondary = false, testId?: string): HTMLButtonElement {
  const node = el('button', { type: 'button', ...(secondary ? { class: 'tg-secondary' } : {}), ...(testId ? { 'data-action': testId } : {}) })
  node.append(...[label].flat().filter((c): c is Node | string => !!c))
  node.addEventListener('click', onClick)
  return node
}

export type StatusKind = 'info' | 'error' | 'ok' | 'busy'

/** One status line under the buttons; `kind` is also what tests and assistive tech read. */
export function setStatus(node: HTMLElement, kind: StatusKind, text: string, code?: string): void {
  node.dataset.kind = kind
  if (code) node.dataset.code = code
  else delete node.dataset.code
  node.textContent = text
}

export function clear(node: HTMLElement): void {
  node.replaceChildren()
}

/** Disables every button of the widget while a wallet request or a payment is in flight. */
export function setBusy(root: HTMLElement, busy: boolean): void {
  for (const b of Array.from(root.querySelectorAll('button'))) b.disabled = busy
}
