import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Where browser tests save their screenshots (gitignored). */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-output', 'browser');

/** Debian's chromium (apt-get install -y chromium); nothing ever downloads a browser. */
export function chromiumPath(): string {
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(candidate)) return candidate;
  try {
    const found = execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
    if (found) return found;
  } catch {
    // not on PATH either
  }
  throw new Error('The browser tests need Chromium: install it with `apt-get install -y chromium` (as root; .ci/run does this).');
}

export interface Browser {
  context: BrowserContext;
  /** Every URL the browser requested (HTTP and websockets), for the same-origin check. */
  requests: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Headless Chromium on a fresh profile, recording every request any of its pages makes. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  const profile = await mkdtemp(join(tmpdir(), 'modelplane-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1360, height: 860 },
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const requests: string[] = [];
  const watch = (page: Page) => {
    page.on('request', (r) => requests.push(r.url()));
    page.on('websocket', (ws) => requests.push(ws.url()));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    requests,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-output/browser/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
