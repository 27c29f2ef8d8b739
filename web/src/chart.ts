// Line charts of training in SVG, drawn from data on every update: axes with ticks and labels, one line per
// series (training per step, validation per epoch with a dot at each epoch). Small enough to need no library.

export interface Series {
  /** The CSS class of its line and dots (its colour and dash). */
  className: string;
  points: [x: number, y: number][];
  /** A dot on every point (one point per epoch). */
  dots?: boolean;
}

export interface ChartScale {
  /** The x axis runs 0…xMax (epochs). */
  xMax: number;
  yMin: number;
  yMax: number;
  /** Where the y axis has ticks, and how they read. */
  yTicks: number[];
  format: (y: number) => string;
}

const WIDTH = 440;
const HEIGHT = 230;
const MARGIN = { left: 48, right: 12, top: 10, bottom: 38 };
const SVG = 'http://www.w3.org/2000/svg';

function el(name: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Ticks of the x axis: every epoch while they fit, else every 2nd, 5th… */
function epochTicks(xMax: number): number[] {
  const step = [1, 2, 5, 10, 20, 50].find((s) => xMax / s <= 10) ?? Math.ceil(xMax / 10);
  const ticks: number[] = [];
  for (let x = 0; x <= xMax; x += step) ticks.push(x);
  return ticks;
}

/** Redraws `svg` with these series on axes scaled by `scale` (points outside the y range are clamped to it). */
export function drawChart(svg: SVGSVGElement, series: Series[], scale: ChartScale): void {
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.replaceChildren();
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + (x / Math.max(scale.xMax, 1e-9)) * plotWidth;
  const sy = (y: number) => {
    const t = (Math.min(scale.yMax, Math.max(scale.yMin, y)) - scale.yMin) / (scale.yMax - scale.yMin);
    return MARGIN.top + (1 - t) * plotHeight;
  };
  const bottom = MARGIN.top + plotHeight;
  for (const y of scale.yTicks) {
    svg.append(el('line', { class: 'grid', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: sy(y), y2: sy(y) }));
    svg.append(el('text', { class: 'tick', x: MARGIN.left - 6, y: sy(y) + 4, 'text-anchor': 'end' }, scale.format(y)));
  }
  for (const x of epochTicks(scale.xMax)) {
    svg.append(el('line', { class: 'axis', x1: sx(x), x2: sx(x), y1: bottom, y2: bottom + 4 }));
    svg.append(el('text', { class: 'tick', x: sx(x), y: bottom + 16, 'text-anchor': 'middle' }, String(x)));
  }
  svg.append(el('line', { class: 'axis', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: bottom, y2: bottom }));
  svg.append(el('line', { class: 'axis', x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top, y2: bottom }));
  svg.append(
    el(
      'text',
      { class: 'axis-label', x: MARGIN.left + plotWidth / 2, y: HEIGHT - 4, 'text-anchor': 'middle' },
      'epoch',
    ),
  );
  for (const s of series) {
    if (s.points.length === 0) continue;
    const points = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    svg.append(el('polyline', { class: `line ${s.className}`, points }));
    if (s.dots)
      for (const [x, y] of s.points)
        svg.append(el('circle', { class: `dot ${s.className}`, cx: sx(x), cy: sy(y), r: 3.5 }));
  }
}

/** Ticks from `min` to `max` every `step` (rounded against floating-point drift). */
export function ticks(min: number, max: number, step: number): number[] {
  const out: number[] = [];
  for (let i = 0; min + i * step <= max + step / 1000; i++) out.push(Math.round((min + i * step) * 1e6) / 1e6);
  return out;
}
