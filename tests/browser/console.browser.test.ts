import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, type Browser } from '../support/browser';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { serveNumericModel } from '../support/models';
import { logisticModel } from '../support/onnx-models';
import { createApiKey, gql, startPlatform, TEST_ADMIN_KEY, type Platform } from '../support/processes';
import { until } from '../support/wait';

/**
 * The web console in Debian's Chromium against a started platform (`modelplane-server all`):
 * what a user clicks and sees, and what the platform does as a result.
 */
const MODEL = 'rain-console';
const PLATFORM_ENV = { BOOTSTRAP_DEMO_MODEL: 'true', PREDICTION_LOG_FLUSH_MS: '50' };
const DEMO = '{ model(name: "seattle-rain") { productionVersion { version } } }';
const PREDICT = `query Predict($model: String!, $features: JSONObject!) { predict(model: $model, features: $features) { modelVersion { version } } }`;

describe('the console in a real browser', () => {
  let db: TestDatabase;
  let platform: Platform;
  let browser: Browser;
  let viewerKey: string;

  const predictVersion = async () => {
    const res = await gql<{ predict: { modelVersion: { version: number } } }>(platform.url, PREDICT, {
      model: MODEL,
      features: { a: 1, b: 2 },
    });
    if (!res.data) throw new Error(JSON.stringify(res.errors));
    return res.data.predict.modelVersion.version;
  };

  /** A new tab (its own session storage) logged in with `key`, on the overview. */
  const loggedIn = async (key: string): Promise<Page> => {
    const page = await browser.newPage();
    await page.goto(`${platform.base}/console/`);
    await page.fill('input[name=credential]', key);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=overview]');
    return page;
  };

  beforeAll(async () => {
    // Launched first: without Chromium the suite fails at once, saying how to install it.
    browser = await launchBrowser();
    db = await createTestDatabase('browser');
    // seattle-rain is trained and promoted on first start (in the background): the monitoring page needs its reference profile.
    platform = await startPlatform(db.url, undefined, PLATFORM_ENV);
    await serveNumericModel(platform.url, MODEL, [logisticModel([0.5, -0.25], 0.1).base64, logisticModel([-0.4, 0.9], 0.2).base64]);
    const promote = await gql(platform.url, 'mutation { setModelAlias(model: "rain-console", alias: "production", version: 2) { alias } }');
    if (promote.errors) throw new Error(JSON.stringify(promote.errors));
    viewerKey = (await createApiKey(platform.url, 'viewer', 'console-viewer')).key;
    await until(
      'seattle-rain v1 in production',
      async () => (await gql<{ model: { productionVersion: unknown } | null }>(platform.url, DEMO)).data?.model?.productionVersion,
      60000,
      200,
    );
  }, 120000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await db?.drop();
  });

  it('a wrong key shows a login error; the admin key logs in and the overview lists the model with its production version', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${platform.base}/`);
    expect(page.url()).toBe(`${platform.base}/console/`);
    expect(response?.headers()['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);

    await page.fill('input[name=credential]', 'mp_wrong_key_0000000000000000000000000000');
    await page.click('button[type=submit]');
    const error = await page.waitForSelector('[data-testid=login-error]');
    expect(await error.textContent()).toMatch(/Login failed: invalid API key/);
    await screenshot(page, 'login-error');

    await page.fill('input[name=credential]', TEST_ADMIN_KEY);
    await page.click('button[type=submit]');
    await page.waitForSelector('tr[data-model="seattle-rain"]');
    const row = await page.waitForSelector(`tr[data-model="${MODEL}"]`);
    expect(await (await row.$('[data-testid=production-version]'))?.textContent()).toBe('v2');
    expect(await page.textContent('[data-testid=who]')).toMatch(/admin/);
    await page.waitForSelector('[data-testid=link-state][data-state=connected]');
    await screenshot(page, 'overview');
    await page.close();
  });

  it('a rollback clicked in the UI, after a confirmation naming the change, moves the version the next predict uses', async () => {
    expect(await predictVersion()).toBe(2);
    const page = await loggedIn(TEST_ADMIN_KEY);
    await page.click(`tr[data-model="${MODEL}"] a`);
    await page.waitForSelector('[data-testid=versions]');
    await page.click('tr[data-version="1"] button[data-action=rollback]');
    const dialog = await page.waitForSelector('[data-testid=confirm-dialog]');
    expect(await dialog.textContent()).toMatch(/production moves from v2 to v1/);
    await screenshot(page, 'rollback-confirmation');
    await page.fill('[data-testid=confirm-dialog] input', 'browser test');
    await page.click('[data-testid=confirm-dialog] button.danger');
    await page.waitForSelector('[data-testid=confirm-dialog]', { state: 'detached' });

    // The page shows the move (the model-event subscription refetches) and predictions follow it.
    await page.waitForSelector('tr[data-version="1"] .pill.ok');
    await page.waitForSelector('[data-testid=events] >> text=rolled back');
    expect(await page.textContent('[data-testid=events]')).toMatch(/browser test/);
    expect(await until('predict to use v1', async () => (await predictVersion()) === 1, 10000)).toBe(true);
    await screenshot(page, 'model');
    await page.close();
  });

  it('an alert fired by evaluateAlertRules appears on the open overview within a second, without a reload', async () => {
    const rule = await gql(
      platform.url,
      `mutation { createAlertRule(input: { model: "${MODEL}", kind: LATENCY, threshold: 0.0001 }) { id } }`,
    );
    expect(rule.errors).toBeUndefined();
    for (let i = 0; i < 5; i++) await predictVersion();
    const page = await loggedIn(TEST_ADMIN_KEY);
    await page.waitForSelector('[data-testid=link-state][data-state=connected]');
    const cell = `tr[data-model="${MODEL}"] [data-testid=firing-alerts]`;
    expect(await page.textContent(cell)).toBe('—');
    // graphql-ws does not acknowledge a subscribe: give the gateway a moment to subscribe upstream.
    await new Promise((r) => setTimeout(r, 1000));
    let navigations = 0;
    page.on('framenavigated', () => navigations++);

    // The predictions reach monitoring through the prediction log within a moment.
    const fired = await until(
      'the LATENCY rule to fire',
      async () => {
        const res = await gql<{ evaluateAlertRules: Array<{ kind: string }> }>(
          platform.url,
          `mutation { evaluateAlertRules(model: "${MODEL}") { kind } }`,
        );
        return res.data?.evaluateAlertRules.some((a) => a.kind === 'LATENCY') ? Date.now() : null;
      },
      15000,
      200,
    );
    await page.waitForSelector(`${cell} >> text=latency`, { timeout: 1000 });
    const shownAfterMs = Date.now() - fired;
    expect(shownAfterMs).toBeLessThan(1000);
    expect(navigations).toBe(0);
    await screenshot(page, 'overview-alert');

    await page.click('nav >> text=Alerts');
    await page.waitForSelector(`[data-testid=alerts] tr[data-status=FIRING]`);
    await page.click('[data-testid=alerts] button[data-action=acknowledge]');
    await page.waitForSelector(`[data-testid=alerts] tr[data-status=ACKNOWLEDGED]`);
    expect(await page.textContent('[data-testid=alert-rules]')).toMatch(new RegExp(`${MODEL}\\s*latency\\s*0\\.0001`));
    await screenshot(page, 'alerts');
    await page.close();
  });

  it('a viewer key sees no action buttons (and the API refuses its mutations regardless)', async () => {
    const page = await loggedIn(viewerKey);
    expect(await page.textContent('[data-testid=who]')).toMatch(/viewer/);
    await page.click(`tr[data-model="${MODEL}"] a`);
    await page.waitForSelector('[data-testid=versions] tr[data-version="2"]');
    expect(await page.$$('button[data-action]')).toHaveLength(0);
    expect(await page.$('[data-testid=set-alias]')).toBeNull();
    expect(await page.$('[data-testid=set-canary]')).toBeNull();
    await page.click('nav >> text=Alerts');
    await page.waitForSelector('[data-testid=alerts] tr[data-alert]');
    expect(await page.$$('button[data-action]')).toHaveLength(0);
    await screenshot(page, 'viewer-alerts');
    await page.goto(`${platform.base}/console/#/models/seattle-rain/playground`);
    await page.waitForSelector('[data-testid=playground] input[name=temp_max]');
    expect(await page.$$('button[data-action]')).toHaveLength(0);
    const refused = await gql(
      platform.url,
      `mutation { rollbackModel(model: "${MODEL}", toVersion: 2) { toVersion { version } } }`,
      undefined,
      {
        key: viewerKey,
        signedAs: null,
      },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await page.close();
  });

  it('the monitoring page of seattle-rain shows drift per feature with its reference histogram, and latency percentiles', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      precipitation: (i % 7) * 2.5,
      temp_max: 8 + (i % 11),
      temp_min: 2 + (i % 5),
      wind: 1 + (i % 6),
      day_of_year_sin: Math.sin(i / 6),
      day_of_year_cos: Math.cos(i / 6),
    }));
    const batch = await gql(platform.url, 'query($rows: [JSONObject!]!) { predictBatch(model: "seattle-rain", rows: $rows) { id } }', {
      rows,
    });
    expect(batch.errors).toBeUndefined();
    const page = await loggedIn(TEST_ADMIN_KEY);
    await page.click('tr[data-model="seattle-rain"] a[href*=monitoring]');
    await page.waitForSelector('[data-testid=drift] tr[data-feature=temp_max]');
    expect(await page.textContent('[data-testid=drift]')).toMatch(/ks|wasserstein|psi/i);
    expect(await page.textContent('[data-testid=latency]')).toMatch(/1 h/);
    await page.click('[data-testid=drift] tr[data-feature=temp_max]');
    await page.waitForSelector('[aria-label="temp_max histogram"] canvas');
    await screenshot(page, 'monitoring');
    await page.close();
  });

  it('the playground form, generated from the feature schema, predicts with the production version', async () => {
    const page = await loggedIn(TEST_ADMIN_KEY);
    await page.click('tr[data-model="seattle-rain"] a');
    await page.click('text=Playground');
    // Prefilled from the training data's profile (its mean), with the training range beside it.
    await page.waitForSelector('[data-testid=playground] >> text=training range');
    const input = await page.waitForSelector('[data-testid=playground] input[name=precipitation]');
    expect(Number(await input.inputValue())).toBeGreaterThan(0);
    await input.fill('12.5');
    await page.click('button[data-action=predict]');
    await page.waitForSelector('[data-testid=prediction] >> text=/rain|dry/');
    const shown = await page.textContent('[data-testid=prediction]');
    expect(shown).toMatch(/v1 · production/);
    const id = /prediction (\S+)/.exec(shown ?? '')?.[1];
    expect(id).toBeTruthy();
    await screenshot(page, 'playground');
    await page.close();
  });

  it('GraphiQL opens offline from the console with the Authorization header of the login filled in, and runs a query', async () => {
    const page = await loggedIn(viewerKey);
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.click('nav >> text=GraphiQL');
    await page.waitForSelector('.graphiql-container');
    expect(page.url()).toBe(`${platform.base}/graphiql`);
    await page.click('button:has-text("Headers")');
    await page.waitForSelector(`.graphiql-editor-tool >> text=${viewerKey}`);
    await page.click('.graphiql-execute-button');
    await page.waitForSelector('.result-window >> text=seattle-rain', { timeout: 10000 });
    await screenshot(page, 'graphiql');
    expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await page.close();
  });

  it('a lost websocket shows "reconnecting", and the page reconnects by itself and is live again', async () => {
    const page = await loggedIn(TEST_ADMIN_KEY);
    await page.waitForSelector('[data-testid=link-state][data-state=connected]');
    expect(await platform.stop('SIGTERM')).toBe(0);
    await page.waitForSelector('[data-testid=link-state][data-state=reconnecting]', { timeout: 5000 });
    expect(await page.textContent('[data-testid=link-state]')).toMatch(/Reconnecting/);
    await screenshot(page, 'reconnecting');

    platform = await startPlatform(db.url, platform.ports, PLATFORM_ENV);
    await page.waitForSelector('[data-testid=link-state][data-state=connected]', { timeout: 30000 });
    await new Promise((r) => setTimeout(r, 1000));
    // Live again: a model event (production back to v2) re-runs the overview's query, without a reload.
    const moved = await gql(platform.url, `mutation { setModelAlias(model: "${MODEL}", alias: "production", version: 2) { alias } }`);
    expect(moved.errors).toBeUndefined();
    await page.waitForSelector(`tr[data-model="${MODEL}"] [data-testid=production-version] >> text=v2`, { timeout: 3000 });
    await page.close();
  }, 90000);

  it('an idle open console makes no HTTP requests (only its subscriptions stay open)', async () => {
    const page = await loggedIn(viewerKey);
    await page.waitForSelector('[data-testid=link-state][data-state=connected]');
    const http: string[] = [];
    page.on('request', (r) => http.push(r.url()));
    await new Promise((r) => setTimeout(r, 5000));
    expect(http).toEqual([]);
    await page.close();
  });

  it('the overview of 500 models renders within a second of the data arriving', async () => {
    const names = Array.from({ length: 500 - 2 }, (_, i) => `bulk-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < names.length; i += 25) {
      await Promise.all(
        names.slice(i, i + 25).map(async (name) => {
          const res = await gql(platform.url, 'mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
            i: { name, task: 'BINARY_CLASSIFICATION', features: [{ name: 'a', type: 'NUMERIC' }] },
          });
          if (res.errors) throw new Error(JSON.stringify(res.errors));
        }),
      );
    }
    const page = await browser.newPage();
    await page.goto(`${platform.base}/console/`);
    await page.fill('input[name=credential]', TEST_ADMIN_KEY);
    const arrived = page.waitForResponse((r) => r.request().postData()?.includes('query ConsoleOverview') ?? false, { timeout: 60000 });
    await page.click('button[type=submit]');
    await (await arrived).finished();
    const receivedAt = Date.now();
    await page.waitForFunction('document.querySelectorAll("[data-testid=overview] tbody tr").length === 500', undefined, { timeout: 5000 });
    const renderMs = Date.now() - receivedAt;
    console.log(`overview of 500 models rendered ${renderMs} ms after its data arrived`);
    expect(renderMs).toBeLessThan(1000);
    await page.close();
  }, 120000);

  it('every request the pages made went to the gateway origin', () => {
    expect(browser.requests.length).toBeGreaterThan(10);
    const origin = new URL(platform.base);
    // blob: URLs (GraphiQL's workers) are made in the page and carry its origin; nothing else may leave it.
    const foreign = browser.requests.filter((url) => {
      const u = new URL(url);
      if (u.protocol === 'ws:') return u.host !== origin.host;
      return !['http:', 'blob:'].includes(u.protocol) || u.origin !== origin.origin;
    });
    expect(foreign).toEqual([]);
    expect(browser.requests.some((u) => u.startsWith(`ws://${origin.host}/graphql`))).toBe(true);
  });
});
