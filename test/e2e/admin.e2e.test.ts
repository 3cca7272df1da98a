import t from 'tap';
import greeter from '../../plugins/example-greeter/index.ts';
import { launchBrowser, logIn, person } from '../helpers/browser.ts';
import { testApp } from '../helpers/app.ts';

t.test('in a real browser: a plugin turned off in the admin page disappears from the forum, and comes back', async (t) => {
  const h = await testApp({ plugins: [greeter] });
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchBrowser();
  t.teardown(async () => { await browser.close(); await h.close(); });
  await h.user('root', { admin: true });
  const { page } = await person(browser);
  await logIn(page, base, 'root');
  const greeting = h.core.plugins.settings<{ greeting: string }>('example-greeter').greeting;
  t.ok(await page.isVisible(`text=${greeting}`), 'the plugin fills the latest page');

  await page.goto(`${base}/admin/plugins`);
  await page.click('#plugin-example-greeter button:has-text("Turn off")');
  await page.waitForSelector('#plugin-example-greeter button:has-text("Turn on")');
  await page.goto(`${base}/`);
  t.notOk(await page.isVisible(`text=${greeting}`), 'turned off: its outlet is gone without a restart');
  const route = await page.goto(`${base}/greeter/hello`);
  t.equal(route?.status(), 404, 'and so is its route');

  await page.goto(`${base}/admin/plugins`);
  await page.click('#plugin-example-greeter button:has-text("Turn on")');
  await page.goto(`${base}/`);
  t.ok(await page.isVisible(`text=${greeting}`), 'turned back on, it is back');
});
