/**
 * "Your sessions" on the demo page, as a person uses it: one user on three
 * devices (three browser contexts with their own cookies and user agents),
 * through the load balancer, so every click may land on another replica.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestCluster, type Cluster, type ExampleApp } from '@podsafe/test-support/cluster';
import { CHROMIUM_INSTALL, findChromium, launchChromium } from '@podsafe/test-support/chromium';

const executable = findChromium();
const skip = executable === undefined && !process.env.CI;
if (skip) console.warn(`[e2e sessions panel] skipped: Chromium is not installed (\`${CHROMIUM_INSTALL}\`). In CI this fails instead.`);

describe.skipIf(skip).each<ExampleApp>(['express-app', 'fastify-app'])(
  'the "Your sessions" panel of %s in headless Chromium',
  (exampleApp) => {
    let cluster: Cluster;
    let browser: Browser;
    const contexts: BrowserContext[] = [];
    const pageErrors: string[] = [];

    beforeAll(async () => {
      if (executable === undefined) throw new Error(`Chromium is not installed: \`${CHROMIUM_INSTALL}\` (or set CHROMIUM_PATH).`);
      [cluster, browser] = await Promise.all([startTestCluster('redis', { app: exampleApp, replicas: 2 }), launchChromium(executable)]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all(contexts.map((context) => context.close()));
      await browser?.close();
      await cluster?.stop();
    });

    /** A device: its own cookie jar and user agent, on the demo page. */
    async function device(userAgent: string): Promise<Page> {
      const context = await browser.newContext({ userAgent });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(message.text());
      });
      await page.goto(cluster.url);
      return page;
    }

    async function login(page: Page, name: string): Promise<void> {
      await page.getByTestId('login-name').fill(name);
      await page.getByTestId('login').click();
      await page.waitForFunction((user) => document.querySelector('[data-testid="user"]')?.textContent === user, name);
    }

    /** Waits until the panel lists `count` sessions (it refreshes after each action). */
    async function listed(page: Page, count: number): Promise<void> {
      await page.waitForFunction(
        (n) => document.querySelectorAll('[data-testid="session"]').length === n && document.getElementById('app')?.dataset.busy === '0',
        count,
      );
    }

    const user = (page: Page) => page.getByTestId('user').textContent();

    it('shows each device with its last seen time; signs out one device, then everywhere else', { timeout: 180_000 }, async () => {
      // Both apps share the test run's Redis: a user of their own each.
      const name = `Grace ${exampleApp} ${process.pid}`;
      const laptop = await device('Laptop Browser/1.0');
      const phone = await device('Phone Browser/2.0');
      const tablet = await device('Tablet Browser/3.0');
      await login(phone, name);
      await login(tablet, name);
      await login(laptop, name);
      await listed(laptop, 3);

      const items = laptop.getByTestId('session');
      const texts = await items.allTextContents();
      expect(texts.filter((t) => t.includes('Laptop Browser/1.0 (this device)'))).toHaveLength(1);
      expect(texts.some((t) => t.includes('Phone Browser/2.0'))).toBe(true);
      expect(texts.some((t) => t.includes('Tablet Browser/3.0'))).toBe(true);
      for (const seen of await laptop.getByTestId('last-seen').all()) {
        const at = Date.parse((await seen.getAttribute('datetime'))!);
        expect(Number.isNaN(at)).toBe(false);
        expect(await seen.textContent()).toContain('last seen');
      }
      // No sign-out button for the device in hand: that is "Log out".
      expect(await laptop.locator('[data-testid="session"][data-current="true"] [data-testid="sign-out-device"]').count()).toBe(0);

      // Sign out the phone from the laptop.
      await laptop.locator('[data-testid="session"]', { hasText: 'Phone Browser/2.0' }).getByTestId('sign-out-device').click();
      await listed(laptop, 2);
      await phone.reload();
      expect(await user(phone)).toBe('');
      await tablet.reload();
      expect(await user(tablet)).toBe(name);

      // The phone signs in again; then the laptop signs out everywhere else.
      await login(phone, name);
      await laptop.reload();
      await listed(laptop, 3);
      await laptop.getByTestId('sign-out-others').click();
      await listed(laptop, 1);
      expect(await laptop.getByTestId('status').textContent()).toContain('2 signed out');
      for (const page of [phone, tablet]) {
        await page.reload();
        expect(await user(page)).toBe('');
        expect(await page.getByTestId('session').count()).toBe(0);
      }
      await laptop.reload();
      expect(await user(laptop)).toBe(name);
      await listed(laptop, 1);
      expect(await laptop.locator('[data-testid="session"][data-current="true"]').count()).toBe(1);
      expect(pageErrors).toEqual([]);
    });
  },
);
