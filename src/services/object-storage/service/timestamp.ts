// Swift timestamps: seconds since the epoch with five decimals ("1700000000.12345"), the form of
// X-Timestamp and of every stored ts (zero-padded to 16 characters, so text order is time order).

/** Strictly increasing timestamps for this process: two writes never share one. */
export interface TimestampSource { next(): number }

export function createTimestampSource(now: () => number = Date.now): TimestampSource {
  let last = 0;
  return {
    next() {
      const t = Math.max(Math.round(now() * 100) / 100000, Math.round((last + 0.00001) * 100000) / 100000);
      last = t;
      return t;
    },
  };
}

/** Swift's Timestamp.normal: "%016.05f". */
export const normalTs = (t: number): string => t.toFixed(5).padStart(16, '0');

export const parseTs = (s: string): number => Number(s);

/** Swift's Timestamp.isoformat: always six fractional digits, no zone. */
export function isoTs(t: number): string {
  const whole = Math.floor(t);
  const micros = Math.round((t - whole) * 1e6);
  return new Date(whole * 1000).toISOString().slice(0, 19) + '.' + String(micros).padStart(6, '0');
}

/**
 * isoTs of stored timestamp strings, without float arithmetic; a formatter remembers the last
 * second it rendered (a listing's neighbours mostly share it).
 */
export function isoFormatter(): (ts: string) => string {
  let lastWhole = '';
  let lastPrefix = '';
  return (ts) => {
    const dot = ts.indexOf('.');
    const whole = dot < 0 ? ts : ts.slice(0, dot);
    const frac = dot < 0 ? '' : ts.slice(dot + 1);
    if (whole !== lastWhole) { lastWhole = whole; lastPrefix = new Date(Number(whole) * 1000).toISOString().slice(0, 19) + '.'; }
    return lastPrefix + (frac.length === 6 ? frac : frac.padEnd(6, '0').slice(0, 6));
  };
}

export const isoOfTs = (ts: string): string => isoFormatter()(ts);

/** Last-Modified of a timestamp: rounded up to the second, as Swift does. */
export const httpDate = (t: number): string => new Date(Math.ceil(t) * 1000).toUTCString();

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Seconds since the epoch of an HTTP date (RFC 1123, RFC 850 or asctime, all UTC); undefined when unparseable. */
export function parseHttpDate(value: string): number | undefined {
  const v = value.trim();
  // asctime: "Sun Nov  6 08:49:37 1994" (what Python's time.ctime writes)
  const asc = /^[A-Za-z]{3} ([A-Za-z]{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(v);
  if (asc) {
    const month = MONTHS.indexOf(asc[1]!.toLowerCase());
    if (month < 0) return undefined;
    return Date.UTC(+asc[6]!, month, +asc[2]!, +asc[3]!, +asc[4]!, +asc[5]!) / 1000;
  }
  if (!/GMT|UTC|[+-]\d{4}$/.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}
