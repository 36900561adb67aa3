import type { ReplayPoint } from './selection-replay.ts';

/** A replay's results: the method's sweep, the online learners' sweeps, and the fixed baselines. */
export interface ReplayReport {
  method: string;
  points: ReplayPoint[];
  online: Record<string, ReplayPoint[]>;
  baselines: Record<string, { quality: number; cost: number }>;
}

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;

function topShares(shares: Record<string, number>, count = 3): string {
  return Object.entries(shares)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([model, share]) => `${model} ${pct(share)}`)
    .join(', ');
}

/** The replay as a text table: the sweep (with the online learners at each λ), then the baselines. */
export function formatReplayTable(report: ReplayReport): string {
  const lines = [
    `${'λ'.padStart(10)}  ${report.method.padEnd(22)}  ${Object.keys(report.online)
      .map((name) => name.padEnd(22))
      .join('  ')}  shares (${report.method})`,
  ];
  report.points.forEach((point, i) => {
    const cells = [point, ...Object.values(report.online).map((sweep) => sweep[i] as ReplayPoint)].map((p) =>
      `${pct(p.quality)} $${p.cost.toFixed(4)}/1k`.padEnd(22),
    );
    lines.push(`${String(point.lambda).padStart(10)}  ${cells.join('  ')}  ${topShares(point.shares)}`);
  });
  lines.push('', 'baselines:');
  for (const [name, b] of Object.entries(report.baselines))
    lines.push(`  ${name.padEnd(34)} ${pct(b.quality).padStart(6)}  $${b.cost.toFixed(4)}/1k`);
  return lines.join('\n');
}

const WIDTH = 760;
const HEIGHT = 480;
const MARGIN = { left: 70, right: 200, top: 30, bottom: 50 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The quality-cost frontier as an SVG: cost per 1,000 requests (log scale) against quality; sweeps as lines, baselines as labelled points. */
export function renderFrontierSvg(report: ReplayReport, title: string): string {
  const series: [string, ReplayPoint[]][] = [
    [report.method, report.points],
    ...Object.entries(report.online),
  ];
  const all = [
    ...series.flatMap(([, points]) => points.map((p) => ({ cost: p.cost, quality: p.quality }))),
    ...Object.values(report.baselines),
  ];
  const costs = all.map((p) => Math.max(p.cost, 1e-9));
  const minCost = Math.log10(Math.min(...costs));
  const maxCost = Math.log10(Math.max(...costs));
  const minQ = Math.min(...all.map((p) => p.quality));
  const maxQ = Math.max(...all.map((p) => p.quality));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (cost: number) =>
    MARGIN.left + ((Math.log10(Math.max(cost, 1e-9)) - minCost) / Math.max(1e-9, maxCost - minCost)) * plotW;
  const y = (quality: number) => MARGIN.top + (1 - (quality - minQ) / Math.max(1e-9, maxQ - minQ)) * plotH;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="18" font-size="13">${escapeXml(title)}</text>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}" stroke="black"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}" stroke="black"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">cost, USD per 1,000 requests (log scale)</text>`,
    `<text x="16" y="${MARGIN.top + plotH / 2}" transform="rotate(-90 16 ${MARGIN.top + plotH / 2})" text-anchor="middle">quality</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const q = minQ + ((maxQ - minQ) * i) / 4;
    const c = 10 ** (minCost + ((maxCost - minCost) * i) / 4);
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${y(q) + 4}" text-anchor="end">${pct(q)}</text>`,
      `<text x="${x(c)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${c.toPrecision(2)}</text>`,
    );
  }
  series.forEach(([name, points], s) => {
    const colour = COLOURS[s % COLOURS.length] as string;
    const sorted = [...points].sort((a, b) => a.cost - b.cost);
    parts.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${sorted.map((p) => `${x(p.cost).toFixed(1)},${y(p.quality).toFixed(1)}`).join(' ')}"/>`,
      `<text x="${MARGIN.left + plotW + 10}" y="${MARGIN.top + 14 * s}" fill="${colour}">— ${escapeXml(name)}</text>`,
    );
  });
  for (const [name, b] of Object.entries(report.baselines)) {
    parts.push(
      `<circle cx="${x(b.cost).toFixed(1)}" cy="${y(b.quality).toFixed(1)}" r="3" fill="#555"/>`,
      `<text x="${(x(b.cost) + 5).toFixed(1)}" y="${(y(b.quality) - 4).toFixed(1)}" fill="#555" font-size="9">${escapeXml(name)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** The report's last line: `{points, baselines}` (and the online learners' sweeps). */
export function replayJson(report: ReplayReport): string {
  return JSON.stringify({
    method: report.method,
    points: report.points,
    baselines: report.baselines,
    online: report.online,
  });
}
