// Python's urllib.parse.quote, which Swift uses for paths in headers and bodies: everything but
// letters, digits, "_.-~" and the `safe` characters is %-encoded (UTF-8, upper-case hex).
export function pyQuote(s: string, safe = '/'): string {
  let out = '';
  for (const c of s) {
    if (/[A-Za-z0-9_.\-~]/.test(c) || safe.includes(c)) out += c;
    else for (const b of Buffer.from(c, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Python's repr() of a string, as Swift's messages quote input (printable text only). */
export function pyRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  return q + s.replace(/\\/g, '\\\\').replaceAll(q, '\\' + q) + q;
}
