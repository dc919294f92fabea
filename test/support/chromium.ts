/**
 * Debian's Chromium for the browser tests (driven by playwright-core; playwright's own browser download is
 * never used), with the flags this machine needs: no sandbox as root, and no background connections to a
 * closed network.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const hasChromium = existsSync(CHROMIUM);
