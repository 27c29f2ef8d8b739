/**
 * The report as one self-contained HTML page: every picture inline as a data: URI, no scripts, no external
 * stylesheet or font, so the file can be mailed, archived or opened offline.
 */
import { escapeXml as esc } from './escape.js';
import type { ReportMetrics } from './report.js';

export interface HtmlInput {
  metrics: ReportMetrics;
  modelFile?: string;
  dataSource?: string;
  summary?: string;
  recipe: Record<string, unknown> | null;
  images: {
    curves: Buffer | null;
    correct: Buffer;
    incorrect: Buffer;
    confusion: Buffer;
    calibration: Buffer;
    /** One strip of example images per most-confused pair, in the order of metrics.most_confused. */
    pairs: Buffer[];
  };
}

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif;color:#1b1b1b;margin:0;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:36px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#555;margin:0 0 18px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid #e2e4e8;border-radius:8px;padding:10px 16px;min-width:130px}
.card b{display:block;font-size:22px}.card span{color:#666;font-size:13px}
img{max-width:100%;height:auto;background:#fff;border:1px solid #e2e4e8;border-radius:6px}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #e2e4e8;padding:4px 10px;text-align:right}
th{background:#eef0f3}td.l,th.l{text-align:left}
pre{background:#fff;border:1px solid #e2e4e8;border-radius:6px;padding:12px;overflow-x:auto;font-size:13px}
.pair{margin:10px 0 18px}.pair p{margin:0 0 4px}
figure{margin:0 0 16px}figcaption{color:#555;font-size:13px;margin-top:4px}
`;

const pct = (x: number, digits = 2) => `${(x * 100).toFixed(digits)} %`;
/** An inline PNG; `density` 2 for charts rasterised at twice their CSS size (width read from the PNG's IHDR). */
const img = (png: Buffer, alt: string, density = 1) =>
  `<img src="data:image/png;base64,${png.toString('base64')}" alt="${esc(alt)}" ` +
  `width="${Math.round(png.readUInt32BE(16) / density)}">`;

/** The page's HTML text. */
export function reportHtml(h: HtmlInput): string {
  const m = h.metrics;
  const title = `digits report${h.modelFile ? ` — ${h.modelFile}` : ''}`;
  const card = (value: string, label: string) =>
    `<div class="card"><b>${esc(value)}</b><span>${esc(label)}</span></div>`;
  const perClassRows = m.per_class
    .map(
      (c) =>
        `<tr><td>${c.class}</td><td>${pct(c.precision)}</td><td>${pct(c.recall)}</td><td>${pct(c.f1)}</td><td>${c.support}</td></tr>`,
    )
    .join('');
  const pairs = m.most_confused.length
    ? m.most_confused
        .map(
          (p, i) =>
            `<div class="pair"><p><b>${p.actual} taken for ${p.predicted}</b>: ${p.count} image${p.count === 1 ? '' : 's'}` +
            ` (showing ${p.examples.length}, most confident first; image indices ${p.examples.join(', ')})</p>` +
            `${h.images.pairs[i] ? img(h.images.pairs[i], `${p.actual} predicted as ${p.predicted}`) : ''}</div>`,
        )
        .join('')
    : '<p>No image was misclassified.</p>';
  const recipe = h.recipe
    ? `<table>${Object.entries(h.recipe)
        .filter(([, v]) => v !== undefined)
        .map(
          ([k, v]) =>
            `<tr><th class="l">${esc(k)}</th><td class="l">${esc(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`,
        )
        .join('')}</table>`
    : '<p>The model file holds no training recipe (it was not trained by digits).</p>';

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${esc(title)}</h1>
<p class="sub">${[
    h.dataSource ? `evaluated on ${h.dataSource}` : '',
    `${m.count} images`,
    `written ${new Date().toISOString()}`,
  ]
    .filter(Boolean)
    .map(esc)
    .join(' · ')}</p>

<h2 id="metrics">Metrics</h2>
<div class="cards">
${card(pct(m.accuracy), `accuracy (${m.correct} of ${m.count})`)}
${m.loss !== null ? card(m.loss.toFixed(4), 'loss (cross-entropy)') : ''}
${card(String(m.count - m.correct), 'misclassified')}
${card(pct(m.macro.f1), 'macro F1')}
${card(pct(m.ece), 'expected calibration error')}
</div>
<h3>Per class</h3>
<table><thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>images</th></tr></thead>
<tbody>${perClassRows}<tr><th class="l">macro</th><th>${pct(m.macro.precision)}</th><th>${pct(m.macro.recall)}</th><th>${pct(m.macro.f1)}</th><th>${m.count}</th></tr></tbody></table>

<h2 id="curves">Training curves</h2>
${h.images.curves ? img(h.images.curves, 'loss and accuracy per epoch, training and validation', 2) : '<p>The model file holds no training history, so there are no curves.</p>'}

<h2 id="confusion">Confusion matrix</h2>
<figure>${img(h.images.confusion, 'confusion matrix', 2)}<figcaption>Rows: the actual digit; columns: what the model predicted. Colour on a log scale so single mistakes show.</figcaption></figure>

<h2 id="confused">Most confused pairs</h2>
${pairs}

<h2 id="calibration">Calibration</h2>
<figure>${img(h.images.calibration, 'reliability diagram', 2)}<figcaption>Bars: accuracy of the images whose top probability falls in each bin; red: the gap to perfect calibration (dashed diagonal). Expected calibration error ${pct(m.ece)}.</figcaption></figure>

<h2 id="samples">Samples</h2>
<figure>${img(h.images.correct, 'correctly classified test images')}</figure>
<figure>${img(h.images.incorrect, 'misclassified test images')}</figure>

<h2 id="model">Model</h2>
${h.summary ? `<pre>${esc(h.summary)}</pre>` : ''}
<h3>Training recipe</h3>
${recipe}
</main>
</body>
</html>
`;
}
