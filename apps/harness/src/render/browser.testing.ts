import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const haveBrowser = existsSync(CHROMIUM);
// CI installs Chromium and sets this, so a missing browser fails there instead of skipping.
export const requireBrowser = process.env.LOOPBENCH_REQUIRE_BROWSER === '1';
export const browserTitle = (title: string) =>
  haveBrowser || requireBrowser ? title : `skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`;

/** Debian's Chromium, headless, with none of its own network traffic. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The report opened from disk, with every request it makes and every error it logs. */
export async function openReport(browser: Browser, report: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
  return { page, requests, errors };
}

/** Every canvas's size and how many of its pixels are inked. */
export const paintedCanvases = (page: Page) =>
  page.evaluate(`[...document.querySelectorAll('canvas')].map((canvas) => {
    const { width, height } = canvas;
    const pixels = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    let inked = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
    return { id: canvas.id, width, height, inked };
  })`) as Promise<{ id: string; width: number; height: number; inked: number }[]>;
