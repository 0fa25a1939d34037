/** A small hand-written SVG bar chart of medians with min-max whiskers (no libraries). */
export interface Bar {
  readonly label: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function barChart(title: string, unit: string, bars: readonly Bar[], notes: readonly string[]): string {
  const width = 640;
  const left = 170;
  const right = 90;
  const barH = 28;
  const gap = 18;
  const top = 44;
  const plotW = width - left - right;
  const height = top + bars.length * (barH + gap) + 20 + notes.length * 16;
  const peak = Math.max(1, ...bars.map((b) => b.max));
  const x = (v: number): number => left + (v / peak) * plotW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  bars.forEach((b, i) => {
    const y = top + i * (barH + gap);
    const mid = y + barH / 2;
    out.push(
      `<text x="${left - 8}" y="${mid + 4}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${left}" y="${y}" width="${(x(b.median) - left).toFixed(1)}" height="${barH}" fill="${i === 0 ? '#3b7dd8' : '#9aa5b1'}"/>`,
      `<line x1="${x(b.min).toFixed(1)}" y1="${mid}" x2="${x(b.max).toFixed(1)}" y2="${mid}" stroke="#222" stroke-width="1.5"/>`,
      `<line x1="${x(b.min).toFixed(1)}" y1="${mid - 6}" x2="${x(b.min).toFixed(1)}" y2="${mid + 6}" stroke="#222" stroke-width="1.5"/>`,
      `<line x1="${x(b.max).toFixed(1)}" y1="${mid - 6}" x2="${x(b.max).toFixed(1)}" y2="${mid + 6}" stroke="#222" stroke-width="1.5"/>`,
      `<text x="${(x(b.max) + 6).toFixed(1)}" y="${mid + 4}">${esc(`${Math.round(b.median).toLocaleString('en-GB')} ${unit}`)}</text>`,
    );
  });
  const baseY = top + bars.length * (barH + gap) - gap + 4;
  out.push(`<line x1="${left}" y1="${top - 4}" x2="${left}" y2="${baseY}" stroke="#222"/>`);
  notes.forEach((n, i) => out.push(`<text x="8" y="${baseY + 18 + i * 16}" fill="#444">${esc(n)}</text>`));
  out.push('</svg>');
  return out.join('\n') + '\n';
}
