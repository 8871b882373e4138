/** A horizontal bar chart of throughput ratios as a standalone SVG (no chart library: two bars per app and a 1.0 line). */

export interface RatioRow {
  name: string;
  read: number;
  write: number;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function ratioChart(rows: readonly RatioRow[], title: string): string {
  const label = 330;
  const plot = 460;
  const bar = 9;
  const rowHeight = 2 * bar + 10;
  const top = 44;
  const height = top + rows.length * rowHeight + 30;
  const max = Math.max(1.1, ...rows.flatMap((r) => [r.read, r.write]));
  const x = (ratio: number) => label + (ratio / max) * plot;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${label + plot + 60}" height="${height}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="10" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<rect x="${label}" y="26" width="10" height="10" fill="#2b6cb0"/><text x="${label + 14}" y="35">read</text>`,
    `<rect x="${label + 60}" y="26" width="10" height="10" fill="#dd6b20"/><text x="${label + 74}" y="35">write</text>`,
  ];
  for (let tick = 0; tick <= max + 1e-9; tick += 0.25) {
    const at = x(tick);
    parts.push(`<line x1="${at}" y1="${top - 4}" x2="${at}" y2="${height - 24}" stroke="${tick === 1 ? '#000' : '#ddd'}"/>`);
    parts.push(`<text x="${at}" y="${height - 10}" text-anchor="middle">${tick.toFixed(2)}</text>`);
  }
  rows.forEach((row, index) => {
    const y = top + index * rowHeight;
    parts.push(`<text x="${label - 8}" y="${y + bar + 4}" text-anchor="end">${escapeXml(row.name)}</text>`);
    for (const [offset, value, colour] of [
      [0, row.read, '#2b6cb0'],
      [bar, row.write, '#dd6b20'],
    ] as const) {
      parts.push(`<rect x="${label}" y="${y + offset}" width="${Math.max(0, x(value) - label)}" height="${bar - 1}" fill="${colour}"/>`);
      parts.push(`<text x="${x(value) + 4}" y="${y + offset + bar - 1}" font-size="10">${value.toFixed(2)}</text>`);
    }
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
