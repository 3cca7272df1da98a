import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium, headless, with nothing reaching outside the machine. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps'],
  });
}

/** A fresh browser profile (its own cookies), as a separate person would have. */
export async function person(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 850 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return { context, page };
}

/** Signs up through the real form and lands on the latest page. */
export async function signUp(page: Page, base: string, username: string): Promise<void> {
  await page.goto(`${base}/signup`);
  await page.fill('input[name=email]', `${username}@example.com`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', 'correct horse battery');
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/`);
}

export async function logIn(page: Page, base: string, login: string, password = 'correct horse battery'): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/`);
}

/** Waits until the server has recorded that a user read up to a post (read tracking is asynchronous). */
export async function readUpTo(db: import('kysely').Kysely<import('../../core/db/schema.ts').DB>, userId: number, topicId: number, postNumber: number, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const row = await db.selectFrom('topic_users').select('last_read_post_number').where('user_id', '=', userId).where('topic_id', '=', topicId).executeTakeFirst();
    if ((row?.last_read_post_number ?? 0) >= postNumber) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`user ${userId} has not read topic ${topicId} up to post ${postNumber}`);
}
