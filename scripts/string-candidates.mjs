// What the verifier and the shipped model's second stage learn from: detect()'s candidates on synthetic strings
// made from a digit set, every third JPEG-compressed as bench-detect does, and, with `scenes`, on photos of
// numbers written with a pen on paper (src/data/scenes.ts: every `scenes`-th string, every kind in turn, with other
// seeds than bench-real's, and by default smaller than its photos: `sceneSize(i)` gives photo i's size options, {}
// for the generator's own), each labelled by where its ink came from (src/vision/verifier-data.ts).
// With `others` (an image set of things that are not digits), strings hold them too: every tenth string is made
// only of them, the rest have one in eight items from them. With `drawn`, every `drawn`-th string is written with
// a pen in the styles of src/data/drawn-digits.ts (upright and flagged 1s, barred 7s, open 4s and 9s, hollow and
// double strokes) instead of MNIST's; with `broad`, every `broad`-th of those is written large and close with a broad
// pen, as people write in the web page's canvas. Seeded: string i uses seed `seedStep · (i + 1)`.
import sharp from 'sharp';
import { data, decodeImage, vision } from '../dist/index.js';

const { digitString, drawnString, scene, SCENE_KINDS } = data;
const { segment, verifierExamples } = vision;
/**
 * Numbers written in the web page: digits 80–130 px tall, close together and often narrow, pens 10–24 px
 * (bench-styles' broad pen).
 */
const BROAD_PEN = { pen: [10, 24], height: [80, 130], gap: [0, 0.2], width: [0.45, 1.25] };

/** Photo i's size where the caller gives none: 520–760 px wide, smaller than bench-real's 900–1400. */
function smallScene(i) {
  const width = 520 + (i % 7) * 40;
  return { width, height: Math.round(width * 0.72) };
}

/** The picture as a JPEG of `quality` would give it back, decoded. */
async function throughJpeg(s, channels, quality) {
  const jpeg = await sharp(s.data, { raw: { width: s.width, height: s.height, channels } })
    .jpeg({ quality })
    .toBuffer();
  return decodeImage(new Uint8Array(jpeg));
}

/** Calls `each(examples, string)` for strings [from, from + count). */
export async function forEachStringCandidates(
  set,
  seedStep,
  from,
  count,
  each,
  { scenes = 0, sceneSize = smallScene, others, drawn = 0, broad = 0 } = {},
) {
  for (let i = from; i < from + count; i++) {
    if (drawn > 0 && i % drawn === 3) {
      const wide = broad > 0 && Math.floor(i / drawn) % broad === 1;
      const s = drawnString(seedStep * (i + 1), { owners: true, ...(wide ? BROAD_PEN : {}) });
      const image = i % 3 === 2 ? await throughJpeg(s, 1, 50 + ((i * 7) % 45)) : s;
      each(verifierExamples(segment(image), s.owners), s);
      continue;
    }
    if (scenes > 0 && i % scenes === scenes - 1) {
      const kind = SCENE_KINDS[Math.floor(i / scenes) % SCENE_KINDS.length];
      const s = scene(set, seedStep * (i + 1), kind, { ...sceneSize(i), owners: true });
      each(verifierExamples(segment(await throughJpeg(s, 3, 60 + ((i * 13) % 31))), s.owners), s);
      continue;
    }
    // Touching pairs twice as common as bench-detect's: they are what detect() finds hardest.
    const mixed = others ? { others: { set: others, chance: i % 10 === 4 ? 1 : 0.125 } } : {};
    const s = digitString(set, seedStep * (i + 1), { length: [1, 8], owners: true, touching: 0.3, ...mixed });
    const image =
      i % 3 === 2
        ? await throughJpeg(s, 1, 40 + ((i * 7) % 50))
        : { width: s.width, height: s.height, channels: 1, data: s.data };
    each(verifierExamples(segment(image), s.owners, s.nonDigits), s);
  }
}
