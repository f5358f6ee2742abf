export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  readonly times: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

const W = 900;
const H = 360;
const PAD = { left: 70, right: 20, top: 30, bottom: 40 };
/** Points per series after downsampling: plenty for 900 px and keeps a 450k-bar run's SVG small. */
const MAX_POINTS = 1500;

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);

/**
 * A self-contained SVG line chart (no dependency): equity of the run against buy-and-hold, shared axes,
 * a legend and date ticks. Long series are downsampled to min/max per pixel bucket so spikes survive.
 */
export function lineChartSvg(title: string, series: readonly ChartSeries[]): string {
  let tMin = Number.POSITIVE_INFINITY;
  let tMax = Number.NEGATIVE_INFINITY;
  let vMin = Number.POSITIVE_INFINITY;
  let vMax = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    for (let i = 0; i < s.times.length; i++) {
      tMin = Math.min(tMin, s.times[i]);
      tMax = Math.max(tMax, s.times[i]);
      vMin = Math.min(vMin, s.values[i]);
      vMax = Math.max(vMax, s.values[i]);
    }
  }
  if (!Number.isFinite(tMin))
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><text x="20" y="30">${esc(title)}: no data</text></svg>\n`;
  if (tMax === tMin) tMax = tMin + 1;
  if (vMax === vMin) vMax = vMin + 1;
  const x = (t: number) => PAD.left + ((t - tMin) / (tMax - tMin)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - ((v - vMin) / (vMax - vMin)) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${PAD.left}" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const v = vMin + ((vMax - vMin) * k) / 4;
    const yy = y(v).toFixed(1);
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${v.toFixed(0)}</text>`);
    const t = tMin + ((tMax - tMin) * k) / 4;
    parts.push(
      `<text x="${x(t).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${new Date(t).toISOString().slice(0, 10)}</text>`,
    );
  }
  series.forEach((s, idx) => {
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.3" points="${downsample(s, x, y)}"/>`);
    const ly = PAD.top + 4 + idx * 16;
    parts.push(`<rect x="${W - PAD.right - 170}" y="${ly - 8}" width="12" height="3" fill="${s.color}"/>`);
    parts.push(`<text x="${W - PAD.right - 152}" y="${ly - 4}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function downsample(s: ChartSeries, x: (t: number) => number, y: (v: number) => number): string {
  const n = s.times.length;
  const pts: string[] = [];
  if (n <= MAX_POINTS) {
    for (let i = 0; i < n; i++) pts.push(`${x(s.times[i]).toFixed(1)},${y(s.values[i]).toFixed(1)}`);
    return pts.join(' ');
  }
  const bucket = Math.ceil(n / (MAX_POINTS / 2));
  for (let b = 0; b < n; b += bucket) {
    let lo = b;
    let hi = b;
    for (let i = b; i < Math.min(n, b + bucket); i++) {
      if (s.values[i] < s.values[lo]) lo = i;
      if (s.values[i] > s.values[hi]) hi = i;
    }
    for (const i of lo <= hi ? [lo, hi] : [hi, lo]) pts.push(`${x(s.times[i]).toFixed(1)},${y(s.values[i]).toFixed(1)}`);
  }
  return pts.join(' ');
}
