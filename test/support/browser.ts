import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`; `.ci/run` installs it where it is missing). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of the browser tests (gitignored). */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts');

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/**
 * A page that records every console error and uncaught exception. A test that provokes an API
 * refusal (a 400 or 401 is the contract) names the ones it expects: Chromium logs each refused
 * request as "Failed to load resource: … status of 4xx".
 */
export class WatchedPage {
  readonly errors: string[] = [];

  private constructor(readonly page: Page) {
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(message.text());
    });
    page.on('pageerror', (error) => this.errors.push(`uncaught: ${error.message}`));
  }

  static async open(browser: Browser, url: string): Promise<WatchedPage> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 820 } });
    const watched = new WatchedPage(await context.newPage());
    await watched.page.goto(url);
    return watched;
  }

  /** The console errors other than refusals with the given statuses. */
  unexpectedErrors(expectedStatuses: number[] = []): string[] {
    return this.errors.filter(
      (text) =>
        !expectedStatuses.some((status) =>
          text.startsWith(`Failed to load resource: the server responded with a status of ${status} `),
        ),
    );
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  /** Controls (inputs, buttons, links) without an accessible name: labels, text or aria-label. */
  unlabelledControls(): Promise<string[]> {
    // A string: the test project has no DOM types.
    return this.page.evaluate(`(() => {
      const nameless = [];
      for (const element of document.querySelectorAll('input, textarea, select, button, a[href]')) {
        const labelled =
          (element.labels && element.labels.length > 0) ||
          element.getAttribute('aria-label') ||
          element.getAttribute('aria-labelledby') ||
          element.textContent.trim();
        if (!labelled) nameless.push(element.outerHTML.slice(0, 120));
      }
      return nameless;
    })()`);
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}
