/**
 * HTTP-dates (RFC 9110 §5.6.7): the three formats a recipient must accept, parsed strictly, so
 * a malformed `Expires` is "already expired" (RFC 9111 §5.3) instead of a guess.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const SHORT_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']
const LONG_DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']

// Names are matched case-insensitively: RFC 9110 makes them case-sensitive, but every cache in
// use accepts `MON` or `jan`, and refusing them would expire responses their origin meant fresh.
const IMF_FIXDATE = /^([a-z]{3}), (\d{2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) gmt$/i
const RFC_850 = /^([a-z]{6,9}), (\d{2})-([a-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) gmt$/i
const ASCTIME = /^([a-z]{3}) ([a-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i

/**
 * Milliseconds since the epoch of an HTTP-date, or `undefined` when `value` is not one
 * (missing comma, two-digit year outside RFC 850, other time zones, extra spaces, …).
 * @param now - the current time, to place an RFC 850 two-digit year (RFC 9110 §5.6.7).
 */
export function parseHttpDate(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined
  let match = IMF_FIXDATE.exec(value)
  if (match) {
    const [, day, date, month, year, h, m, s] = match as unknown as string[]
    if (!SHORT_DAYS.includes(day!.toLowerCase())) return undefined
    return toMillis(Number(year), month!, Number(date), h!, m!, s!)
  }
  match = RFC_850.exec(value)
  if (match) {
    const [, day, date, month, year, h, m, s] = match as unknown as string[]
    if (!LONG_DAYS.includes(day!.toLowerCase())) return undefined
    return toMillis(fullYear(Number(year), now), month!, Number(date), h!, m!, s!)
  }
  match = ASCTIME.exec(value)
  if (match) {
    const [, day, month, date, h, m, s, year] = match as unknown as string[]
    if (!SHORT_DAYS.includes(day!.toLowerCase())) return undefined
    return toMillis(Number(year), month!, Number(date!.trim()), h!, m!, s!)
  }
  return undefined
}

/** The IMF-fixdate of `ms`, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. */
export function formatHttpDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toUTCString()
}

/** RFC 9110: a two-digit year more than 50 years in the future is in the past century. */
function fullYear(twoDigits: number, now: number): number {
  const current = new Date(now).getUTCFullYear()
  let year = Math.floor(current / 100) * 100 + twoDigits
  if (year > current + 50) year -= 100
  return year
}

function toMillis(
  year: number,
  monthName: string,
  date: number,
  hours: string,
  minutes: string,
  seconds: string,
): number | undefined {
  const month = MONTHS.indexOf(monthName.toLowerCase())
  const [h, m, s] = [Number(hours), Number(minutes), Number(seconds)]
  if (month === -1 || date < 1 || date > 31 || h > 23 || m > 59 || s > 60) return undefined
  const ms = Date.UTC(year, month, date, h, m, Math.min(s, 59))
  // Date.UTC rolls 31 February over into March; a real date maps back to the same day.
  return new Date(ms).getUTCDate() === date ? ms : undefined
}
