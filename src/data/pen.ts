/** A round pen drawing anti-aliased segments into a coverage layer (0..1 per pixel). */

/** An elliptical arc as a polyline; angles in degrees, 0 = right, 90 = down (y grows downwards), from a0 to a1. */
export function arc(cx: number, cy: number, rx: number, ry: number, a0: number, a1: number): [number, number][] {
  const steps = Math.max(4, Math.ceil(Math.abs(a1 - a0) / 12));
  return Array.from({ length: steps + 1 }, (_, i) => {
    const t = ((a0 + ((a1 - a0) * i) / steps) * Math.PI) / 180;
    return [cx + rx * Math.cos(t), cy + ry * Math.sin(t)];
  });
}

/** Distance from (px, py) to the segment (ax, ay)–(bx, by). */
export function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len = dx * dx + dy * dy;
  const t = len > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len)) : 0;
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/**
 * Draws a segment with a round pen of width `pen` into the coverage layer (anti-aliased, max-combined); where
 * `owners` is given, a pixel's owner becomes `owner` where this segment covers it most.
 */
export function stroke(
  cover: Float32Array,
  w: number,
  h: number,
  seg: number[],
  pen: number,
  owners?: Uint8Array,
  owner = 0,
): void {
  const [ax, ay, bx, by] = seg;
  const r = pen / 2;
  const xa = Math.max(0, Math.floor(Math.min(ax, bx) - r - 1));
  const xb = Math.min(w - 1, Math.ceil(Math.max(ax, bx) + r + 1));
  const ya = Math.max(0, Math.floor(Math.min(ay, by) - r - 1));
  const yb = Math.min(h - 1, Math.ceil(Math.max(ay, by) + r + 1));
  for (let y = ya; y <= yb; y++)
    for (let x = xa; x <= xb; x++) {
      const c = Math.min(1, Math.max(0, r + 0.5 - segmentDistance(x + 0.5, y + 0.5, ax, ay, bx, by)));
      const i = y * w + x;
      if (c > cover[i]) {
        cover[i] = c;
        if (owners) owners[i] = owner;
      }
    }
}
