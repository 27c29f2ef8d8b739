import { fileURLToPath } from 'node:url';

/** A file in the shared third-party fixtures (../shared/fixtures beside the repository). */
export function fixture(path: string): string {
  return fileURLToPath(new URL(`../../../shared/fixtures/${path}`, import.meta.url));
}
