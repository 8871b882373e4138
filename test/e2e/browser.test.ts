/**
 * The demo as a person sees it: a real browser on the demo page, through the
 * load balancer. Log in, kill the replica that answered with the page's own
 * button, reload: still logged in, and another replica answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestCluster, type Cluster } from '@podsafe/test-support/cluster';
import { CHROMIUM_INSTALL, findChromium, launchChromium } from '@podsafe/test-support/chromium';

const executable = findChromium();
// Locally a missing browser skips (and says so); in CI it fails, so the suite never passes by not running.
const skip = executable === undefined && !process.env.CI;
if (skip) console.warn(`[e2e browser] skipped: Chromium is not installed (\`${CHROMIUM_INSTALL}\`). In CI this fails instead.`);

const text = (page: Page, testId: string) => page.getByTestId(testId).textContent();

/** Waits until the element shows `expected` (the page updates after fetch() answers). */
async function shows(page: Page, testId: string, expected: string): Promise<void> {
  await page.waitForFunction(([id, value]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === value, [
    testId,
    expected,
  ] as const);
}

describe.skipIf(skip)('the demo page in headless Chromium', () => {
  let cluster: Cluster;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (executable === undefined) throw new Error(`Chromium is not installed: \`${CHROMIUM_INSTALL}\` (or set CHROMIUM_PATH).`);
    // No automatic restart: the killed replica stays down, so whoever answers next is another one.
    [cluster, browser] = await Promise.all([startTestCluster('redis', { autoRestart: false }), launchChromium(executable)]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  it('keeps the user logged in when the replica that served them is killed', { timeout: 60_000 }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // The kill button's misrouted attempts answer 409 by design; anything else (a CSP violation, a 404) counts.
      if (message.type() === 'error' && !/status of 409/.test(message.text())) pageErrors.push(message.text());
    });

    await page.goto(cluster.url);
    expect(await text(page, 'user')).toBe('');

    await page.getByTestId('login-name').fill('Ada');
    await page.getByTestId('login').click();
    await shows(page, 'user', 'Ada');
    await page.getByTestId('increment').click();
    await shows(page, 'counter', '1');

    const victim = (await text(page, 'pod'))!;
    const index = cluster.replicas.findIndex((r) => r.pod === victim);
    expect(index, `the page names a replica of the cluster, got ${victim}`).toBeGreaterThanOrEqual(0);
    const exited = cluster.exited(index);

    // The button retries until the load balancer routes it to that replica.
    await page.getByTestId('kill').click();
    await page.waitForFunction((pod) => document.getElementById('app')?.dataset.killed === pod, victim);
    const exit = await exited;
    expect(exit.signal).toBe('SIGKILL');

    await page.reload();
    expect(await text(page, 'user')).toBe('Ada');
    expect(await text(page, 'counter')).toBe('1');
    const survivor = await text(page, 'pod');
    expect(survivor).not.toBe(victim);

    // The session keeps working on the survivors...
    await page.getByTestId('increment').click();
    await shows(page, 'counter', '2');

    // ...and a brand-new process of the killed replica knows it too.
    await cluster.restart(index);
    let servedByNewProcess = false;
    for (let attempt = 0; attempt < 2 * cluster.replicas.length && !servedByNewProcess; attempt++) {
      await page.reload();
      expect(await text(page, 'user')).toBe('Ada');
      expect(await text(page, 'counter')).toBe('2');
      servedByNewProcess = (await text(page, 'pod')) === victim;
    }
    expect(servedByNewProcess, `round robin never reached the restarted ${victim}`).toBe(true);
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
