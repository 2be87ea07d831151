import type { PaywallPageColors } from './page-options.js'

const DEFAULT_COLORS: Required<PaywallPageColors> = { accent: '#1a56db', background: '#f3f4f6', surface: '#ffffff', text: '#111827' }

/** The widget's stylesheet: colours as custom properties (already checked to be plain CSS colours), the rest fixed. */
export function pageStyles(colors: PaywallPageColors = {}): string {
  const c = { ...DEFAULT_COLORS, ...colors }
  return (
    `:root{--tg-accent:${c.accent};--tg-bg:${c.background};--tg-surface:${c.surface};--tg-text:${c.text}}` +
    'body{margin:0;background:var(--tg-bg);color:var(--tg-text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}' +
    '.tg{min-height:100vh;display:flex;align-items:center;justify-content:center;padding:24px;box-sizing:border-box}' +
    '.tg-card{background:var(--tg-surface);border-radius:14px;box-shadow:0 6px 30px rgba(0,0,0,.08);padding:28px;max-width:460px;width:100%;box-sizing:border-box}' +
    '.tg-logo{max-height:48px;max-width:160px;display:block;margin-bottom:12px}' +
    '.tg h1{font-size:1.35rem;margin:0 0 6px}.tg-desc{margin:0 0 16px;opacity:.8}' +
    '.tg-accepts{list-style:none;margin:0 0 18px;padding:0}.tg-accepts li{display:flex;justify-content:space-between;gap:12px;padding:10px 12px;border:1px solid rgba(0,0,0,.1);border-radius:10px;margin-bottom:8px}' +
    '.tg-accepts li:has(input){cursor:pointer}.tg-accepts input{margin:0;accent-color:var(--tg-accent)}.tg-amount{font-weight:600;flex:1;white-space:nowrap}.tg-off{opacity:.6}.tg-net{opacity:.7;font-size:.9rem}' +
    '.tg button{font:inherit;cursor:pointer;border:0;border-radius:10px;padding:11px 16px;background:var(--tg-accent);color:#fff;width:100%;margin:4px 0;display:flex;align-items:center;justify-content:center;gap:8px}' +
    '.tg button.tg-secondary{background:transparent;color:var(--tg-accent);border:1px solid var(--tg-accent)}.tg button:disabled{opacity:.55;cursor:default}' +
    '.tg button img{width:22px;height:22px}' +
    '.tg-status{margin:12px 0 0;padding:10px 12px;border-radius:10px;background:rgba(0,0,0,.04);font-size:.95rem;overflow-wrap:anywhere}' +
    '.tg-status[data-kind=error]{background:#fde8e8;color:#9b1c1c}.tg-status[data-kind=ok]{background:#def7ec;color:#03543f}' +
    '.tg-status:empty{display:none}.tg h2{font-size:1rem;margin:18px 0 8px}.tg-small{font-size:.85rem;opacity:.75;overflow-wrap:anywhere}' +
    '.tg-result pre{white-space:pre-wrap;overflow-wrap:anywhere;background:rgba(0,0,0,.04);padding:12px;border-radius:10px;max-height:60vh;overflow:auto;font-size:.85rem}' +
    '.tg-result img{max-width:100%;border-radius:10px}.tg a{color:var(--tg-accent)}'
  )
}
