/**
 * Rendering back ends for the report: Vega-Lite specs → SVG (Vega's headless renderer) → PNG (sharp). Both
 * libraries are loaded on first use, so commands that draw nothing never pay for them.
 */
import type { TopLevelSpec } from 'vega-lite';
import type sharpModule from 'sharp';

export type Sharp = typeof sharpModule;

let sharpLoading: Promise<Sharp> | null = null;
/** sharp (libvips), loaded once. */
export function loadSharp(): Promise<Sharp> {
  sharpLoading ??= import('sharp').then((m) => {
    // Every picture is made once: libvips's operation cache would only hold ~50 MB of memory for nothing.
    m.default.cache(false);
    return m.default;
  });
  return sharpLoading;
}

/** Pixel density charts are rasterised at: 144 dpi = twice Vega's CSS-pixel size, crisp on high-DPI screens. */
export const CHART_DENSITY = 144;

/** Renders a Vega-Lite spec to an SVG document. Our specs carry their data inline: nothing is fetched. */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), {
    renderer: 'none',
    logLevel: vega.Error,
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG document to PNG bytes. */
export async function svgToPng(svg: string, density = CHART_DENSITY): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(Buffer.from(svg), { density }).flatten({ background: '#ffffff' }).png().toBuffer();
}

/** A Vega-Lite chart as PNG bytes. */
export async function vegaLiteToPng(spec: TopLevelSpec): Promise<Buffer> {
  return svgToPng(await vegaLiteToSvg(spec));
}
