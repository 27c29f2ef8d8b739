import { existsSync } from 'node:fs';

/** Debian's Chromium (npm run setup:browser installs it), or $CHROMIUM_PATH; a clear failure when neither exists. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((p): p is string => !!p && existsSync(p));
  if (!found)
    throw new Error('no Chromium found: run `npm run setup:browser` (apt-get install chromium) or set CHROMIUM_PATH');
  return found;
}
