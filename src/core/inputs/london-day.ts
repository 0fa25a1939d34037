/**
 * Migration days are calendar days in Europe/London (enrolment.md): from local midnight to
 * local midnight, 23 hours long on the day the clocks go forward and 25 on the day they go
 * back. London is UTC+0 or UTC+1, so a day's local midnight is its UTC midnight or the hour
 * before; the time zone database (Node's ICU) says which.
 */

const LONDON = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});

/** `YYYY-MM-DD HH:MM` of an instant in London. */
function londonText(ms: number): string {
  const p = Object.fromEntries(LONDON.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p['year']}-${p['month']}-${p['day']} ${p['hour']}:${p['minute']}`;
}

const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (m === null) return false;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === text && Number(m[1]) >= 1970;
}

/** The instant London's local midnight begins the day `date` (YYYY-MM-DD). */
export function londonMidnight(date: string): number {
  const m = DATE.exec(date);
  if (m === null || !isCalendarDate(date)) throw new RangeError(`not a calendar date: ${date}`);
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return londonText(utc - 3_600_000) === `${date} 00:00` ? utc - 3_600_000 : utc;
}

const DAYS = new Map<string, { readonly startMs: number; readonly endMs: number }>();

/**
 * The migration day `date` as [start, end) in epoch milliseconds. Remembered: the enrolment
 * stage asks for it with every decision, and each answer costs ICU time-zone formatting.
 */
export function londonDay(date: string): { readonly startMs: number; readonly endMs: number } {
  const known = DAYS.get(date);
  if (known !== undefined) return known;
  const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const day = Object.freeze({ startMs: londonMidnight(date), endMs: londonMidnight(next) });
  if (DAYS.size >= 1024) DAYS.clear();
  DAYS.set(date, day);
  return day;
}

/** The London calendar date (YYYY-MM-DD) an instant falls on. */
export function londonDate(ms: number): string {
  return londonText(ms).slice(0, 10);
}
