/**
 * The seller's template (or the default one) with its placeholders filled. One pass over the
 * template, so a value that itself contains `{{...}}` is never filled in again.
 */
export const TEMPLATE_PLACEHOLDERS = ['paywall', 'title', 'description', 'price', 'nonce'] as const
export type Placeholder = (typeof TEMPLATE_PLACEHOLDERS)[number]

/** `values` are already HTML: the caller escapes text and builds the widget. */
export function fillTemplate(template: string, values: Readonly<Record<Placeholder, string>>): string {
  return template.replace(/\{\{\s*([a-z]+)\s*\}\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? values[name as Placeholder] : whole))
}

export const DEFAULT_TEMPLATE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">' +
  '<meta name="robots" content="noindex"><link rel="icon" href="data:,"><title>{{title}}</title></head><body>{{paywall}}</body></html>'
