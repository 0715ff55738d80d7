import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const chromiumPath = process.env.VERINET_CHROMIUM ?? '/usr/bin/chromium';

export type TestBrowser = { context: BrowserContext; close(): Promise<void> };

/**
 * Debian's Chromium driven by playwright-core, headless, in a fresh profile, with every background
 * connection off (this machine has no network beyond loopback; Chromium would otherwise retry for ever).
 */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `no Chromium at ${chromiumPath}: install Debian's package (sudo apt-get install -y chromium) or set VERINET_CHROMIUM`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'verinet-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
    ],
    viewport: { width: 1200, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The folder this run's screenshots go to (printed by the tests): .tmp/web-screenshots/<run>. */
export function getScreenshotDir(name: string): string {
  const dir = resolve(
    process.env.VERINET_SCREENSHOT_DIR ?? join(import.meta.dirname, '../../../../.tmp/web-screenshots'),
    `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
  );
  mkdirSync(dir, { recursive: true });
  return dir;
}
