import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shared third-party files, read in place and never copied into the repository: real Keras models and photos
 * (`../shared/fixtures` beside the repository, or `$DIGITS_FIXTURES`) and data sets (`../shared/datasets`, or
 * `$DIGITS_DATASETS`). A user's fresh clone has none of them; CI has them all.
 */
const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
const ROOTS = {
  fixtures: process.env.DIGITS_FIXTURES ?? join(SHARED, 'fixtures'),
  datasets: process.env.DIGITS_DATASETS ?? join(SHARED, 'datasets'),
};

/** A file in the shared third-party fixtures (e.g. `keras/kiljaeden_mnist.h5`). */
export function fixture(path: string): string {
  return join(ROOTS.fixtures, path);
}

/** A shared data set's folder (e.g. `usps`, see its README). */
export function sharedDataset(name: string): string {
  return join(ROOTS.datasets, name);
}

const reported = new Set<string>();

/**
 * Whether a shared fixture or data set is there (`kind` and a path inside it). Where it is missing, the tests that
 * need it are skipped, with one line saying which and why; under CI (`CI=true`) missing is a failure.
 */
export function hasShared(kind: keyof typeof ROOTS, path: string): boolean {
  const full = join(ROOTS[kind], path);
  if (existsSync(full)) return true;
  const variable = kind === 'fixtures' ? 'DIGITS_FIXTURES' : 'DIGITS_DATASETS';
  if (process.env.CI === 'true' || process.env.CI === '1')
    throw new Error(`${full} is missing: CI needs ../shared/${kind} beside the repository (or $${variable})`);
  if (!reported.has(full)) {
    reported.add(full);
    console.warn(
      `skipped: tests that read ${kind}/${path} (not found at ${full}; put ../shared beside the repository or set ${variable})`,
    );
  }
  return false;
}
