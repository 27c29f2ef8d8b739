/**
 * Data: MNIST and the IDX, npz and Kaggle CSV readers; augmentation; and the generators of our benches and
 * training data (digit strings, photographed scenes, drawn styles, printed digits, non-digits).
 */
export * from '../data/index.js';
export {
  affineWarp,
  strokeWidth,
  AUGMENT_PRESET_NAMES,
  AUGMENT_PRESETS,
  makeAugmenter,
  type AugmentOptions,
  type AugmentPreset,
} from '../data/augment.js';
export { digitString, type DigitString, type DigitStringOptions } from '../data/digit-strings.js';
export {
  homography,
  penDigit,
  scene,
  SCENE_KINDS,
  thin,
  type Scene,
  type SceneKind,
  type SceneOptions,
} from '../data/scenes.js';
export {
  DIGIT_STYLES,
  drawnString,
  STROKE_KINDS,
  type DrawnString,
  type DrawnStringOptions,
  type StrokeKind,
} from '../data/drawn-digits.js';
export {
  DRAWN_CHARS,
  drawnChar,
  drawnMark,
  fontGlyphChars,
  GLYPH_BLOCKS,
  MARK_KINDS,
  NOT_TRAINED_CHARS,
  NON_DIGIT_CHARS,
  NON_DIGIT_FONTS,
  nonDigitFonts,
  type MarkKind,
} from '../data/non-digits.js';
export { cmapCodePoints, fontCodePoints } from '../data/font-cmap.js';
export {
  installedFonts,
  printedDigits,
  printedTexts,
  type PrintedDigit,
  type PrintedFont,
  type PrintedText,
} from '../data/printed-digits.js';
