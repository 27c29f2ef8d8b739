// The digits web page: draw a digit (live probabilities), read a photo (boxes and the string), and the model's
// mistakes on MNIST test. It talks to `digits serve` over HTTP only.

import type { PresetName } from '../../dist/nn/presets.js';
import { drawChart, ticks, type Series } from './chart.js';
import type { EpochLogsMessage, FromWorker, MistakeMessage, ToWorker } from './worker-protocol.js';

interface Recognition {
  label: number;
  confidence: number;
  probabilities: number[];
  /** False when the drawing is not one digit (a letter, a scribble, several digits), with the reason. */
  is_digit: boolean;
  reason?: string;
  /** What the model saw: 28×28 bytes (light ink on black), base64. */
  input?: string;
}
interface Detection {
  text: string;
  digits: { label: number; confidence: number; box: { x: number; y: number; width: number; height: number } }[];
}
type Mistake = MistakeMessage;
/** A model's mistakes on MNIST test: how many, of how many, and the surest ones. */
interface Mistakes {
  count: number;
  total: number;
  mistakes: Mistake[];
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
/** What went wrong reading the drawing, said under it. */
const drawStatus = (text: string) => ($('draw-status').textContent = text);
/** What happened to the photo, said in its own section. */
const photoStatus = (text: string) => ($('photo-status').textContent = text);

async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, init);
  const body = await res.json();
  if (!res.ok) throw Object.assign(new Error(body.error ?? res.statusText), { status: res.status });
  return body as T;
}

const percent = (x: number, digits = 2) => `${(x * 100).toFixed(digits)} %`;

// ---- model info and the model switch ----
api<{ total_params: number; metrics: { accuracy: number } | null; recipe: { model?: string } | null }>('/api/model')
  .then((m) => {
    const parts = [m.recipe?.model ?? 'model', `${m.total_params.toLocaleString('en')} parameters`];
    if (m.metrics) parts.push(`${percent(m.metrics.accuracy)} on MNIST test`);
    $('model-info').textContent = parts.join(' · ');
    if (m.metrics)
      $('model-server-text').textContent = `the shipped model, on the server (${percent(m.metrics.accuracy)})`;
  })
  .catch((e) => ($('model-info').textContent = `model unavailable: ${e.message}`));

const modelServer = $<HTMLInputElement>('model-server');
const modelPage = $<HTMLInputElement>('model-page');
/** Drawings and photos go to the model in this page (the worker's) rather than the server's. */
const inPage = () => modelPage.checked;
/** The mistakes of the model trained in this page, when it is the worker's model. */
let pageMistakes: Mistakes | null = null;

/** Offers the worker's model in the switch, with its test accuracy, and selects it. */
function offerPageModel(what: string, accuracy: number | null): void {
  $('model-page-text').textContent = accuracy === null ? what : `${what} (${percent(accuracy)})`;
  $('model-page-label').hidden = false;
  modelPage.checked = true;
  modelChanged();
}

function modelChanged(): void {
  void predictDrawing();
  void showGallery();
}
modelServer.addEventListener('change', modelChanged);
modelPage.addEventListener('change', modelChanged);

// ---- drawing ----
const canvas = $<HTMLCanvasElement>('draw');
const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
const bars = $<HTMLOListElement>('probabilities');
for (let d = 0; d <= 9; d++) {
  const li = document.createElement('li');
  li.innerHTML = `<span class="digit">${d}</span><span class="bar"><span class="fill"></span></span><span class="pct"></span>`;
  bars.append(li);
}

const preview = $<HTMLCanvasElement>('model-input');
const previewCtx = preview.getContext('2d')!;

/**
 * Paints a 28×28 MNIST-style picture (base64 of its bytes, light ink on black) into a 28×28 canvas, as it is or
 * inverted to dark ink on white.
 */
function paintDigit(target: CanvasRenderingContext2D, base64: string, ink: 'light' | 'dark'): void {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  if (bytes.length !== 28 * 28) return;
  const image = target.createImageData(28, 28);
  bytes.forEach((v, i) => {
    const g = ink === 'light' ? v : 255 - v;
    image.data.set([g, g, g, 255], i * 4);
  });
  target.putImageData(image, 0, 0);
}

/** Shows the 28×28 picture the model was given, or clears it. */
function showInput(input: string | undefined): void {
  previewCtx.fillStyle = '#000';
  previewCtx.fillRect(0, 0, 28, 28);
  if (input) paintDigit(previewCtx, input, 'light');
}

function clearReading(): void {
  $('prediction').textContent = '';
  $('confidence').textContent = '';
  showProbabilities(null);
  showInput(undefined);
}

/** The canvas before each stroke, for Undo. */
const history: ImageData[] = [];
/**
 * Bumped when strokes are taken away (Undo, Clear), so that a reading of the drawing before is dropped. (A stroke
 * only adds ink: while drawing, the last reading stays up until the next one, and the bars follow live.)
 */
let drawingVersion = 0;

function clearCanvas(): void {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  history.length = 0;
  drawingVersion++;
  clearReading();
}
clearCanvas();

function undo(): void {
  const before = history.pop();
  if (!before) return;
  ctx.putImageData(before, 0, 0);
  drawingVersion++;
  if (history.length === 0) clearReading();
  else void predictDrawing();
}

function showProbabilities(p: number[] | null): void {
  bars.querySelectorAll('li').forEach((li, d) => {
    const v = p ? p[d] : 0;
    (li.querySelector('.fill') as HTMLElement).style.width = `${(v * 100).toFixed(1)}%`;
    li.querySelector('.pct')!.textContent = p ? `${(v * 100).toFixed(1)} %` : '';
    li.classList.toggle('top', !!p && v === Math.max(...p));
  });
}

// One request in flight at a time; strokes made meanwhile trigger one more when it returns.
let inFlight = false;
let again = false;
async function predictDrawing(): Promise<void> {
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  const version = drawingVersion;
  // A reading of a drawing since taken back (Undo, Clear) is not shown: the current one is asked for instead.
  const stale = () => {
    if (version === drawingVersion) return false;
    again = true;
    return true;
  };
  try {
    let r: Recognition;
    // The drawing as it is now (toBlob copies the canvas at once), for every request of this reading: a stroke begun
    // while one is in flight must not reach a later one (detect read a half-drawn stroke, and said "none read surely").
    const shot = new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (inPage()) r = await predictInBrowser();
    else {
      const blob = await shot;
      if (!blob) return;
      r = await api<Recognition>('/api/recognize', {
        method: 'POST',
        body: blob,
        headers: { 'content-type': 'image/png' },
      });
    }
    if (stale()) return;
    drawStatus('');
    if (r.reason === 'blank') {
      clearReading();
      return;
    }
    if (r.reason === 'several digits: use detect') {
      // A number drawn: read it as detect() reads a photo.
      const blob = await shot;
      if (!blob) return;
      const d = inPage()
        ? await detectInBrowser(blob)
        : await api<Detection>('/api/detect', { method: 'POST', body: blob, headers: { 'content-type': 'image/png' } });
      if (stale()) return;
      $('prediction').textContent = d.text.replace(/\n/g, ' ') || '–';
      $('confidence').textContent = d.text ? `(${d.digits.length} digits)` : 'several digits, none read surely';
      showProbabilities(null);
      showInput(undefined); // no single 28×28 view: a view of a first stroke would stay behind
      return;
    }
    $('prediction').textContent = r.is_digit ? String(r.label) : '–';
    $('confidence').textContent = r.is_digit
      ? `(${(r.confidence * 100).toFixed(1)} %)`
      : `${r.reason ?? 'not a digit'} (would read ${r.label})`;
    showProbabilities(r.probabilities);
    showInput(r.input);
  } catch (e) {
    if ((e as { status?: number }).status !== 422) drawStatus(`reading the drawing failed: ${(e as Error).message}`);
  } finally {
    inFlight = false;
    if (again) {
      again = false;
      void predictDrawing();
    }
  }
}

let drawing = false;
let last: [number, number] | null = null;
const point = (e: PointerEvent): [number, number] => {
  const r = canvas.getBoundingClientRect();
  return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height];
};
canvas.addEventListener('pointerdown', (e) => {
  history.push(ctx.getImageData(0, 0, canvas.width, canvas.height));
  if (history.length > 50) history.shift();
  drawing = true;
  canvas.setPointerCapture(e.pointerId);
  last = point(e);
  stroke(last, last, e.pressure);
});
canvas.addEventListener('pointermove', (e) => {
  if (!drawing || !last) return;
  const p = point(e);
  stroke(last, p, e.pressure);
  last = p;
  void predictDrawing();
});
const end = () => {
  if (!drawing) return;
  drawing = false;
  last = null;
  void predictDrawing();
};
canvas.addEventListener('pointerup', end);
canvas.addEventListener('pointercancel', end);

function stroke(a: [number, number], b: [number, number], pressure: number): void {
  // MNIST strokes are about a tenth of the digit's height; pens vary it with pressure.
  ctx.lineWidth = 18 * (pressure > 0 && pressure !== 0.5 ? 0.6 + pressure : 1);
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.strokeStyle = '#000';
  ctx.beginPath();
  ctx.moveTo(a[0], a[1]);
  ctx.lineTo(b[0], b[1]);
  ctx.stroke();
}
$('clear').addEventListener('click', clearCanvas);
$('undo').addEventListener('click', undo);
document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === 'z' && !(e.target instanceof HTMLInputElement)) {
    e.preventDefault();
    undo();
  }
});

// ---- training in the browser ----
const worker = new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
const pending = new Map<number, { resolve: (r: Recognition) => void; reject: (e: Error) => void }>();
const pendingDetections = new Map<number, { resolve: (d: Detection) => void; reject: (e: Error) => void }>();
let nextId = 1;

async function detectInBrowser(file: Blob): Promise<Detection> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pendingDetections.set(id, { resolve, reject });
    send({ type: 'detect', id, bytes }, [bytes.buffer]);
  });
}

function predictInBrowser(): Promise<Recognition> {
  const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    send({ type: 'predict', id, width: image.width, height: image.height, data: image.data }, [image.data.buffer]);
  });
}

/** What the run so far has given: the running means every few steps, each finished epoch's logs. */
const run = {
  epochs: 1,
  training: [] as { x: number; loss: number; accuracy: number }[],
  validation: [] as { x: number; loss: number; accuracy: number }[],
};

function drawCharts(): void {
  const train = run.training;
  const val = run.validation;
  const series = (f: (p: { x: number; loss: number; accuracy: number }) => number): Series[] => [
    { className: 'train', points: train.map((p) => [p.x, f(p)]) },
    { className: 'validation', points: val.map((p) => [p.x, f(p)]), dots: true },
  ];
  // Loss from 0 to just above the highest seen (at least 0.5); accuracy from the lowest tenth seen to 100 %.
  const lossMax = Math.max(0.5, Math.ceil(Math.max(0, ...train.map((p) => p.loss), ...val.map((p) => p.loss)) * 2) / 2);
  const lossStep = lossMax > 2 ? 0.5 : lossMax > 1 ? 0.25 : 0.1;
  drawChart(
    $('loss-chart') as unknown as SVGSVGElement,
    series((p) => p.loss),
    {
      xMax: run.epochs,
      yMin: 0,
      yMax: lossMax,
      yTicks: ticks(0, lossMax, lossStep),
      format: (y) => y.toFixed(lossStep < 0.25 ? 1 : 2),
    },
  );
  const low = Math.min(1, ...train.map((p) => p.accuracy), ...val.map((p) => p.accuracy));
  const accMin = Math.max(0, Math.min(0.9, Math.floor(low * 10) / 10));
  drawChart(
    $('accuracy-chart') as unknown as SVGSVGElement,
    series((p) => p.accuracy),
    {
      xMax: run.epochs,
      yMin: accMin,
      yMax: 1,
      yTicks: ticks(accMin, 1, accMin >= 0.9 ? 0.02 : accMin >= 0.5 ? 0.1 : 0.2),
      format: (y) => `${Math.round(y * 100)} %`,
    },
  );
}

/**
 * The latest step, drawn at most twice a second: on a 2-core machine the page's own rendering takes its time from
 * the two threads that train (redrawing at every report cost a tenth of the epoch).
 */
let progressShown = '';
let progressTimer: ReturnType<typeof setTimeout> | null = null;
function showProgressSoon(): void {
  progressTimer ??= setTimeout(() => {
    progressTimer = null;
    if (!trainStop.disabled) $('train-status').textContent = progressShown;
    drawCharts();
  }, 500);
}

function addEpochRow(epoch: number, logs: EpochLogsMessage, trainSeconds: number): void {
  const row = document.createElement('tr');
  const cells = [
    String(epoch),
    logs.loss.toFixed(4),
    percent(logs.accuracy),
    logs.val_loss?.toFixed(4) ?? '–',
    logs.val_accuracy === undefined ? '–' : percent(logs.val_accuracy),
    trainSeconds.toFixed(1),
    (logs.seconds - trainSeconds).toFixed(1),
  ];
  for (const text of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    row.append(td);
  }
  $('epoch-table').querySelector('tbody')!.append(row);
}

/** A table header cell. */
function headerCell(text: string, scope: 'col' | 'row'): HTMLTableCellElement {
  const th = document.createElement('th');
  th.scope = scope;
  th.textContent = text;
  return th;
}

/** The confusion matrix of the trained model with each row's recall and each column's precision. */
function showConfusion(matrix: number[][], classes: { precision: number; recall: number }[]): void {
  const table = $<HTMLTableElement>('confusion');
  const caption = table.caption;
  table.replaceChildren(...(caption ? [caption] : []));
  const columns = ['true ↓ read →', ...matrix.map((_, d) => String(d)), 'recall'];
  table
    .createTHead()
    .insertRow()
    .append(...columns.map((text) => headerCell(text, 'col')));
  const body = table.createTBody();
  matrix.forEach((row, actual) => {
    const tr = body.insertRow();
    tr.append(headerCell(String(actual), 'row'));
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, read) => {
      const td = tr.insertCell();
      td.textContent = String(count);
      // Shade by the share of the row: green on the diagonal, red for mistakes (a few stand out).
      const share = count / total;
      if (read === actual) td.style.background = `rgb(22 163 74 / ${(0.15 + 0.5 * share).toFixed(2)})`;
      else if (count > 0) td.style.background = `rgb(220 38 38 / ${Math.min(0.6, 0.08 + 8 * share).toFixed(2)})`;
      if (read === actual) td.className = 'diagonal';
    });
    tr.insertCell().textContent = percent(classes[actual].recall, 1);
  });
  const foot = table.createTFoot().insertRow();
  foot.append(headerCell('precision', 'row'));
  for (const c of classes) foot.insertCell().textContent = percent(c.precision, 1);
  foot.insertCell();
  $('train-results').hidden = false;
}

const trainStart = $<HTMLButtonElement>('train-start');
const trainStop = $<HTMLButtonElement>('train-stop');
function training(on: boolean): void {
  trainStart.disabled = on;
  trainStop.disabled = !on;
}

worker.onmessage = async (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  const trainStatus = $('train-status');
  switch (m.type) {
    case 'status':
      trainStatus.textContent = m.text;
      break;
    case 'loaded':
      trainStatus.textContent = m.text;
      pageMistakes = null;
      offerPageModel('the shipped model, in this page', m.accuracy);
      break;
    case 'started':
      run.epochs = m.epochs;
      trainStatus.textContent = `training on ${m.count.toLocaleString('en')} images (${m.engine})…`;
      break;
    case 'step':
      run.training.push({ x: m.epoch - 1 + m.step / m.steps, loss: m.loss, accuracy: m.accuracy });
      progressShown = `epoch ${m.epoch}/${m.epochs}, step ${m.step}/${m.steps}: loss ${m.loss.toFixed(4)}, accuracy ${percent(m.accuracy)}`;
      showProgressSoon();
      break;
    case 'epoch':
      if (m.logs.val_loss !== undefined && m.logs.val_accuracy !== undefined)
        run.validation.push({ x: m.epoch, loss: m.logs.val_loss, accuracy: m.logs.val_accuracy });
      drawCharts();
      addEpochRow(m.epoch, m.logs, m.trainSeconds);
      break;
    case 'done': {
      training(false);
      const accuracy = m.evaluation.accuracy;
      trainStatus.textContent =
        `${m.stopped ? 'stopped' : 'done'}: ${percent(accuracy)} on ${m.evaluation.count.toLocaleString('en')} ` +
        `test images; drawings and photos are now read by this model (switch at the top of the page)`;
      showConfusion(m.confusion, m.classes);
      pageMistakes = { count: m.mistakeCount, total: m.evaluation.count, mistakes: m.mistakes };
      offerPageModel('the model trained in this page', accuracy);
      try {
        const res = await fetch('/api/models/h5', {
          method: 'POST',
          body: JSON.stringify(m.model),
          headers: { 'content-type': 'application/json' },
        });
        if (!res.ok) throw new Error((await res.json()).error);
        const link = $<HTMLAnchorElement>('train-download');
        if (link.href) URL.revokeObjectURL(link.href);
        link.href = URL.createObjectURL(await res.blob());
        link.hidden = false;
      } catch (err) {
        trainStatus.textContent += ` (saving it as .h5 failed: ${(err as Error).message})`;
      }
      break;
    }
    case 'prediction':
      pending.get(m.id)?.resolve(m);
      pending.delete(m.id);
      break;
    case 'detection':
      pendingDetections.get(m.id)?.resolve(m);
      pendingDetections.delete(m.id);
      break;
    case 'error':
      if (m.id !== undefined) {
        const error = Object.assign(new Error(m.message), { status: m.status });
        pending.get(m.id)?.reject(error);
        pendingDetections.get(m.id)?.reject(error);
        pending.delete(m.id);
        pendingDetections.delete(m.id);
      } else {
        trainStatus.textContent = `training failed: ${m.message}`;
        training(false);
      }
      break;
  }
};

$('train-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const epochs = Number($<HTMLInputElement>('train-epochs').value);
  Object.assign(run, { epochs, training: [], validation: [] });
  drawCharts();
  $('epoch-table').querySelector('tbody')!.replaceChildren();
  $('train-results').hidden = true;
  training(true);
  $('train-download').hidden = true;
  send({
    type: 'train',
    preset: $<HTMLSelectElement>('train-preset').value as PresetName,
    epochs,
    count: Number($<HTMLInputElement>('train-count').value),
    testCount: 10000,
  });
});
trainStop.addEventListener('click', () => {
  trainStop.disabled = true;
  $('train-status').textContent = 'stopping after this step…';
  send({ type: 'stop' });
});
$('load-local').addEventListener('click', () => send({ type: 'load-default' }));
// Before training, the charts' axes span the epochs the form asks for.
const epochsInput = $<HTMLInputElement>('train-epochs');
const axesFromForm = () => {
  if (!trainStart.disabled && run.training.length === 0 && Number(epochsInput.value) >= 1) {
    run.epochs = Number(epochsInput.value);
    drawCharts();
  }
};
epochsInput.addEventListener('input', axesFromForm);
axesFromForm();

// ---- photo upload ----
const photo = $<HTMLCanvasElement>('photo');
async function readPhoto(file: File): Promise<void> {
  photoStatus(`reading ${file.name}…`);
  $('detections').textContent = '';
  try {
    // With a model in the page, the photo is read there too (the browser decodes it); otherwise by the server.
    const d = inPage()
      ? await detectInBrowser(file)
      : await api<Detection>('/api/detect', {
          method: 'POST',
          body: file,
          headers: { 'content-type': file.type || 'application/octet-stream' },
        });
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 720 / bitmap.width);
    photo.width = Math.round(bitmap.width * scale);
    photo.height = Math.round(bitmap.height * scale);
    photo.hidden = false;
    // Labels 15 CSS pixels tall however small the page shows the photo (a phone shows 720 pixels in ~350).
    const cssWidth = photo.getBoundingClientRect().width || photo.width;
    const fontPx = Math.round((15 * photo.width) / cssWidth);
    photo.dataset.labelCssPx = String(Math.round((fontPx * cssWidth) / photo.width));
    const pc = photo.getContext('2d')!;
    pc.drawImage(bitmap, 0, 0, photo.width, photo.height);
    pc.lineWidth = Math.max(2, fontPx / 8);
    pc.font = `bold ${fontPx}px system-ui, sans-serif`;
    pc.textBaseline = 'bottom';
    for (const { label, confidence, box } of d.digits) {
      const [x, y] = [box.x * scale, box.y * scale];
      pc.strokeStyle = '#e0245e';
      pc.strokeRect(x, y, box.width * scale, box.height * scale);
      // The confidence too where the box is wide enough for it (close digits get the digit alone; the list below
      // the photo has every confidence).
      const full = `${label} ${Math.round(confidence * 100)}%`;
      const text = pc.measureText(full).width <= box.width * scale + 4 ? full : String(label);
      const top = Math.max(fontPx + 4, y - 2);
      pc.fillStyle = 'rgba(255, 255, 255, 0.85)';
      pc.fillRect(x, top - fontPx - 2, pc.measureText(text).width + 4, fontPx + 4);
      pc.fillStyle = '#b0103e';
      pc.fillText(text, x + 2, top);
    }
    $('detections').textContent = d.text.replace(/\n/g, ' / ') || '(no digits)';
    $('photo-digits').textContent = d.digits.map((g) => `${g.label} (${Math.round(g.confidence * 100)} %)`).join(', ');
    photoStatus(`${file.name}: ${d.digits.length} digit${d.digits.length === 1 ? '' : 's'}`);
  } catch (e) {
    $('detections').textContent = '';
    $('photo-digits').textContent = '';
    photoStatus(`${file.name}: ${(e as Error).message}`);
  }
}
$<HTMLInputElement>('upload').addEventListener('change', (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file) void readPhoto(file);
});
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const file = e.dataTransfer?.files[0];
  if (file) void readPhoto(file);
});

// ---- gallery of mistakes ----
/** The server's model's mistakes, asked for once. */
let serverMistakes: Promise<Mistakes> | null = null;

/** Shows the mistakes of the model that reads drawings: the one trained in this page, or the shipped one. */
async function showGallery(): Promise<void> {
  const trained = inPage() ? pageMistakes : null;
  const note = $('gallery-note');
  const gallery = $('gallery');
  try {
    let list = trained;
    if (!list) {
      if (gallery.dataset.model !== 'shipped') {
        note.textContent = 'reading the 10,000 MNIST test digits to find the mistakes…';
        note.classList.add('busy');
      }
      serverMistakes ??= api<Mistakes>('/api/misclassified?limit=40');
      list = await serverMistakes;
    }
    if ((inPage() ? pageMistakes : null) !== trained) return; // the switch moved meanwhile
    const whose = trained ? 'The model trained in this page' : 'The shipped model';
    note.textContent = `${whose} misreads ${list.count} of ${list.total.toLocaleString('en')} MNIST test digits; the ${list.mistakes.length} surest mistakes:`;
    note.classList.remove('busy');
    gallery.dataset.model = trained ? 'trained' : 'shipped';
    gallery.replaceChildren(
      ...list.mistakes.map((m) => {
        const fig = document.createElement('figure');
        const c = document.createElement('canvas');
        c.width = 28;
        c.height = 28;
        c.setAttribute('role', 'img');
        c.setAttribute('aria-label', `test digit ${m.index}`);
        paintDigit(c.getContext('2d')!, m.pixels, 'dark');
        const cap = document.createElement('figcaption');
        cap.textContent = `Predicted: ${m.predicted}, Actual: ${m.label} (${(m.confidence * 100).toFixed(0)} %)`;
        fig.append(c, cap);
        return fig;
      }),
    );
  } catch (e) {
    serverMistakes = null;
    note.classList.remove('busy');
    note.textContent = `gallery unavailable: ${(e as Error).message}`;
  }
}
void showGallery();
