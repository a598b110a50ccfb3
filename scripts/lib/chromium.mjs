// @ts-check
// How every browser run here starts Debian's Chromium (apt package `chromium`): Playwright's own downloads are
// not used, and nothing may reach the network.

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
