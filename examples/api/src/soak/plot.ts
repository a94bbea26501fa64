import type { SoakSample } from './run-soak.js';

interface Series {
  readonly label: string;
  readonly color: string;
  readonly pick: (sample: SoakSample) => number;
}

const WIDTH = 720;
const PANEL_HEIGHT = 200;
const MARGIN = { left: 60, right: 170, top: 28, bottom: 34 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** One chart: time on x, the series on a shared y axis from 0 to their maximum. */
function panel(
  samples: readonly SoakSample[],
  title: string,
  unit: string,
  series: readonly Series[],
  top: number,
): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const maxX = Math.max(1, ...samples.map((sample) => sample.elapsedMs));
  const maxY = Math.max(
    1e-9,
    ...samples.flatMap((sample) => series.map((line) => line.pick(sample))),
  );
  const x = (ms: number) => MARGIN.left + (ms / maxX) * plotWidth;
  const y = (value: number) => top + MARGIN.top + plotHeight - (value / maxY) * plotHeight;
  const parts = [
    `<text x="${MARGIN.left}" y="${top + 18}" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<line x1="${MARGIN.left}" y1="${y(0)}" x2="${MARGIN.left + plotWidth}" y2="${y(0)}" stroke="#888"/>`,
    `<line x1="${MARGIN.left}" y1="${y(0)}" x2="${MARGIN.left}" y2="${y(maxY)}" stroke="#888"/>`,
    `<text x="${MARGIN.left - 6}" y="${y(maxY) + 4}" font-size="11" text-anchor="end">${maxY.toFixed(1)}</text>`,
    `<text x="${MARGIN.left - 6}" y="${y(0) + 4}" font-size="11" text-anchor="end">0 ${escapeXml(unit)}</text>`,
    `<text x="${MARGIN.left + plotWidth}" y="${y(0) + 16}" font-size="11" text-anchor="end">${(maxX / 60_000).toFixed(1)} min</text>`,
  ];
  series.forEach((line, index) => {
    const points = samples.map(
      (sample) => `${x(sample.elapsedMs).toFixed(1)},${y(line.pick(sample)).toFixed(1)}`,
    );
    parts.push(
      `<polyline fill="none" stroke="${line.color}" stroke-width="2" points="${points.join(' ')}"/>`,
    );
    const legendY = top + MARGIN.top + 14 + index * 18;
    parts.push(
      `<rect x="${WIDTH - MARGIN.right + 12}" y="${legendY - 9}" width="12" height="3" fill="${line.color}"/>`,
    );
    parts.push(
      `<text x="${WIDTH - MARGIN.right + 30}" y="${legendY - 4}" font-size="11">${escapeXml(line.label)}</text>`,
    );
  });
  return parts.join('\n');
}

const MIB = 1024 * 1024;

/** The soak's plot as an SVG document: memory, then event-loop delay and Redis. */
export function soakSvg(samples: readonly SoakSample[], caption: string): string {
  const height = PANEL_HEIGHT * 3 + 24;
  const body = [
    panel(
      samples,
      'App process memory',
      'MiB',
      [
        { label: 'RSS', color: '#1f77b4', pick: (sample) => sample.rss / MIB },
        { label: 'heap used', color: '#d62728', pick: (sample) => sample.heapUsed / MIB },
      ],
      0,
    ),
    panel(
      samples,
      'Event-loop delay per interval',
      'ms',
      [{ label: 'p99', color: '#2ca02c', pick: (sample) => sample.loopDelayP99Ms }],
      PANEL_HEIGHT,
    ),
    panel(
      samples,
      'Redis',
      'MiB / k',
      [
        {
          label: 'used memory (MiB)',
          color: '#9467bd',
          pick: (sample) => sample.redisUsedMemory / MIB,
        },
        { label: 'keys (thousands)', color: '#ff7f0e', pick: (sample) => sample.redisKeys / 1000 },
      ],
      PANEL_HEIGHT * 2,
    ),
    `<text x="${MARGIN.left}" y="${height - 6}" font-size="11" fill="#555">${escapeXml(caption)}</text>`,
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" role="img">\n<title>${escapeXml(`Soak: app process memory, event loop and Redis over time. ${caption}`)}</title>\n<rect width="100%" height="100%" fill="white"/>\n${body.join('\n')}\n</svg>\n`;
}
