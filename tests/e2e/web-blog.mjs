// A whole blog for the web's end-to-end tests: the real engine on a fresh
// database, the web server on the existing build, and the seeded content.
import { startEngine } from './engine-process.mjs';
import { startWeb } from './web-process.mjs';
import { seedBlog } from './web-seed.mjs';

/** The flags every browser test launches Debian's Chromium with (never a downloaded browser). */
export const CHROMIUM_LAUNCH = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

/** The follower's second expiration (1 s after a change), and some margin. */
const SEED_SETTLE_MS = 1_500;

/**
 * Waits until the web's change follower has expired the seeded changes' tags
 * a second time (web/lib/changes/follower.ts), so that tests counting cache
 * hits start from a quiet blog.
 */
export function seedSettled() {
  return new Promise((resolve) => setTimeout(resolve, SEED_SETTLE_MS));
}

/**
 * Starts the engine (with Prometheus metrics) and the web app, and seeds the
 * blog. `apiKey` is the web app's key, for starting more web servers.
 * @param {{ web?: Partial<Parameters<typeof startWeb>[0]> }} [options] extra settings for the web server
 */
export async function startBlog(options = {}) {
  const engine = await startEngine({ metrics: true });
  let web;
  try {
    const apiKey = await engine.createKey(['content:read', 'comments:create']);
    web = await startWeb({ engineUrl: engine.url, apiKey, ...options.web });
    const seeded = await seedBlog(engine.url, engine.createKey, { assetBaseUrl: web.url });
    await seedSettled();
    return {
      engine,
      web,
      apiKey,
      seeded,
      stop: async () => {
        await web.stop();
        await engine.stop();
      },
    };
  } catch (error) {
    await web?.stop();
    await engine.stop();
    throw error;
  }
}

/** The engine's RPC count so far (every method and status), from its Prometheus endpoint. */
export async function engineRpcCount(metricsUrl) {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(/^quire_rpc_requests_total\{[^}]*\} (\d+(?:\.\d+)?)$/gm)) total += Number(match[1]);
  return total;
}

/**
 * A fresh browser context (its own cookies) signed in through the login form
 * at `baseUrl`. It types only once React has hydrated the form, so the submit
 * goes through the Server Action, and a refusal fails at once with the form's
 * message rather than as a navigation timeout.
 */
export async function signInThroughForm(browser, baseUrl, email, password) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${baseUrl}/admin`);
  await page.waitForURL(`${baseUrl}/admin/login`);
  await page.waitForFunction(() => {
    const form = document.querySelector('form');
    return Boolean(form && Object.keys(form).some((key) => key.startsWith('__reactProps')));
  });
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The form's own alert: Next.js's route announcer is an (empty) alert too.
  const refusal = page.locator('form').getByRole('alert').first();
  const outcome = await Promise.race([
    page.waitForURL(`${baseUrl}/admin`).then(() => undefined),
    refusal.waitFor().then(() => refusal.innerText()),
  ]);
  if (outcome !== undefined) throw new Error(`signing in as ${email} was refused: ${outcome}`);
  return { context, page };
}
