/**
 * Connected components of a binary mask (8-connectivity): each with its bounding box and pixel count. Used to
 * drop frame lines along an image's edge before cropping, and by detection to find digit candidates.
 */
export interface Component {
  /** Label in `labels` (1-based). */
  id: number;
  x: number;
  y: number;
  width: number;
  height: number;
  pixels: number;
}

/**
 * A component with less ink than this share of the inkiest one's is a speck, not a digit or a piece of one, when
 * the digits' height is judged (segment.ts, straight-lines.ts).
 */
export const SPECK_SHARE = 0.05;

/** Labels the mask's components; returns the label image (0 = background) and the components. */
export function connectedComponents(
  mask: Uint8Array,
  width: number,
  height: number,
): { labels: Int32Array; components: Component[] } {
  const labels = new Int32Array(width * height);
  const components: Component[] = [];
  const stack = new Int32Array(width * height);
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const id = components.length + 1;
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    let count = 0;
    let top = 0;
    stack[top++] = start;
    labels[start] = id;
    while (top > 0) {
      const i = stack[--top];
      const x = i % width;
      const y = (i - x) / width;
      count++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const j = yy * width + xx;
          if (mask[j] && !labels[j]) {
            labels[j] = id;
            stack[top++] = j;
          }
        }
      }
    }
    components.push({ id, x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1, pixels: count });
  }
  return { labels, components };
}
