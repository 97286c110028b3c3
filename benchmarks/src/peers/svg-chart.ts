import type { CaseResult } from './results.js'

const WIDTH = 720
const LABEL_WIDTH = 250
const VALUE_WIDTH = 110
const BAR_HEIGHT = 22
const GAP = 6
const TOP = 44
const COLORS = { strata: '#2f6fdb', raw: '#7a7a7a', peer: '#e0913a' } as const

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** `1 call`, `12 calls`. */
function counted(value: number, noun: string): string {
  const count = Math.round(value)
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`
}

/** A figure as a short label: thousands separators for ops/s, two decimals for small numbers. */
export function formatValue(value: number, unit: CaseResult['unit']): string {
  if (unit === 'ops/s') return `${Math.round(value).toLocaleString('en-US')} ops/s`
  if (unit === 'loader calls') return counted(value, 'call')
  if (unit === 'commands') return counted(value, 'command')
  return `${value < 10 ? value.toFixed(2) : Math.round(value).toLocaleString('en-US')} ms`
}

/**
 * A horizontal bar chart of one case, as a standalone SVG document: one bar per contender,
 * Strata in blue, the raw client in grey, peers in orange.
 */
export function barChartSvg(result: CaseResult): string {
  const rows = result.measurements
  const height = TOP + rows.length * (BAR_HEIGHT + GAP) + 24
  const max = Math.max(...rows.map((row) => row.value), Number.MIN_VALUE)
  const barSpace = WIDTH - LABEL_WIDTH - VALUE_WIDTH
  const direction = result.higherIsBetter ? 'higher is better' : 'lower is better'
  const bars = rows.map((row, i) => {
    const y = TOP + i * (BAR_HEIGHT + GAP)
    const width = Math.max(1, (row.value / max) * barSpace)
    const textY = y + BAR_HEIGHT / 2 + 4
    return [
      `<text x="${LABEL_WIDTH - 8}" y="${textY}" text-anchor="end">${escapeXml(row.contender)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${COLORS[row.role]}"/>`,
      `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${textY}">${escapeXml(formatValue(row.value, result.unit))}</text>`,
    ].join('')
  })
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${escapeXml(`${result.title} (${result.unit}, ${direction})`)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="14" font-weight="bold">${escapeXml(result.title)}</text>`,
    `<text x="${WIDTH - 12}" y="22" text-anchor="end" fill="#555">${escapeXml(`${result.unit}, ${direction}`)}</text>`,
    ...bars,
    '</svg>',
    '',
  ].join('\n')
}
