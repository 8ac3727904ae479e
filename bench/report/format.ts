import type { DataSize, Measured } from './types.js'

/** 12,345 — integers with thousands separators. */
export function int(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–'
}

/** A number with up to `digits` decimals, trailing zeros dropped (1.5, 2, 0.25). */
export function num(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return '–'
  const fixed = value.toFixed(digits)
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed
}

/** Milliseconds: 2 decimals under 10 ms, 1 under 100, whole above. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '–'
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : int(value)
}

export function date(iso: string): string {
  return iso.slice(0, 10)
}

/** A markdown table; cells may not contain `|` (escaped). */
export function table(headers: string[], rows: string[][]): string {
  const cell = (value: string) => value.replace(/\|/g, '\\|').replace(/\n/g, ' ')
  return [
    `| ${headers.map(cell).join(' | ')} |`,
    `|${headers.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n')
}

export function dataSize(data: DataSize): string {
  return `${int(data.sites)} sites, ${int(data.runs)} runs, ${int(data.pages)} pages, ${int(data.versions)} versions, ${int(data.frontierItems)} frontier items`
}

/** The caption line every figure group carries: engine, Node version, data, date. */
export function caption(
  measured: Pick<Measured, 'engineLabel' | 'measuredAt'>,
  node: string,
  data: string,
): string {
  return `_Engine: ${measured.engineLabel} · Node ${node} · data: ${data} · measured ${date(measured.measuredAt)}._`
}
