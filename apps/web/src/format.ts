// How figures read on the page: short, grouped, with SI prefixes where they grow large. English, like the page.
const GROUPED = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const PREFIXES = ['', 'k', 'M', 'G', 'T', 'P', 'E'] as const;

/** Three significant digits and an SI prefix: 41.2, 1.24 k, 980 M. */
function withPrefix(value: number): { figure: string; prefix: string } {
  if (!Number.isFinite(value) || value <= 0) return { figure: '0', prefix: '' };
  let step = Math.min(PREFIXES.length - 1, Math.max(0, Math.floor(Math.log10(value) / 3)));
  let scaled = value / 1000 ** step;
  // 999.96 rounds up to "1000"; move to the next prefix instead.
  if (Number(scaled.toPrecision(3)) >= 1000 && step < PREFIXES.length - 1) {
    step += 1;
    scaled = value / 1000 ** step;
  }
  const figure = value < 1 ? value.toFixed(2) : String(Number(scaled.toPrecision(3)));
  return { figure, prefix: PREFIXES[step] ?? '' };
}

export function formatHashrate(hashesPerSecond: number): string {
  const { figure, prefix } = withPrefix(hashesPerSecond);
  return `${figure} ${prefix}H/s`;
}

/** Counts people read exactly (hashes, shares): digits in groups of three. */
export function formatCount(count: number): string {
  return GROUPED.format(Number.isFinite(count) ? Math.max(0, Math.round(count)) : 0);
}

/** Difficulty and credited work arrive as decimal strings (they pass 2^53): exact below a million, prefixed above. */
export function formatDecimal(decimal: string): string {
  if (!/^[0-9]+$/.test(decimal)) return decimal;
  const value = Number(decimal);
  if (value < 1e6) return formatCount(value);
  const { figure, prefix } = withPrefix(value);
  return `${figure} ${prefix}`;
}

export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** How long ago, in the largest whole unit: "just now", "12 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function formatAgo(elapsedMs: number): string {
  const seconds = Math.floor(Math.max(0, elapsedMs) / 1000);
  if (seconds < 2) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}
