/**
 * The dashboard in headless Chromium (Debian's `chromium` package, driven by playwright-core),
 * served by the Node gateway and by the Worker in workerd, both in front of a two-variant backend
 * test double. Real requests go through each gateway first, so the charts draw recorded data.
 * Screenshots go to test/artifacts/dashboard.png and dashboard-workerd.png.
 */

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_startWorker } from 'wrangler';

import { startNodeGateway, type RunningGateway } from '../../edge/node.js';
import { silentLogger } from '../../src/log/logger.js';
import { startVariantBackend, type VariantBackend } from './variant-backend.js';

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;

const CHROMIUM = '/usr/bin/chromium';
const ADMIN_TOKEN = 'dashboard-test-admin-token';
const STORY = 'Once upon a time a small fox found a red kite in the tall grass and flew it over the hill';
const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts');
const REQUESTS = 24;
const COST_MODEL = JSON.stringify({ edgeRequestUsd: 0.0000003, backendHourlyUsd: { 'gpu-fp16': 3.5, 'gpu-q4': 2.1 } });
const VARIANT_POLICY = JSON.stringify({ stories260K: { reference: 'fp16', latencyObjectiveSeconds: 1, qualityFloor: 0.5, replayFraction: 0.5 } });

let backend: VariantBackend;
let gateway: RunningGateway;
let worker: Worker | undefined;
let workerURL: string;
let browser: BrowserContext | undefined;
let profile: string | undefined;

beforeAll(async () => {
  backend = await startVariantBackend({
    fp16: { text: STORY, delayMs: 40, chunkIntervalMs: 5 },
    q4: { text: STORY, delayMs: 10, chunkIntervalMs: 2 },
  });
  const backends = JSON.stringify([
    { name: 'gpu-fp16', baseURL: backend.baseURL('fp16'), models: ['stories260K'], variant: 'fp16' },
    { name: 'gpu-q4', baseURL: backend.baseURL('q4'), models: ['stories260K'], variant: 'q4' },
  ]);

  gateway = await startNodeGateway({
    variables: { BACKENDS: backends, ADMIN_TOKEN, COST_MODEL, VARIANT_POLICY },
    hostname: '127.0.0.1',
    port: 0,
    logger: silentLogger,
  });
  await sendTraffic(gateway.url);

  if (!existsSync(CHROMIUM)) return;

  worker = await unstable_startWorker({
    config: path.resolve('wrangler.toml'),
    bindings: {
      BACKENDS: { type: 'plain_text', value: backends },
      ADMIN_TOKEN: { type: 'plain_text', value: ADMIN_TOKEN },
      COST_MODEL: { type: 'plain_text', value: COST_MODEL },
      VARIANT_POLICY: { type: 'plain_text', value: VARIANT_POLICY },
      LOG_LEVEL: { type: 'plain_text', value: 'error' },
    },
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, watch: false, persist: false, logLevel: 'error' },
    sendMetrics: false,
  });
  await worker.ready;
  workerURL = (await worker.url).href.replace(/\/$/, '');
  await sendTraffic(workerURL);

  profile = mkdtempSync(path.join(tmpdir(), 'slimgate-chromium-'));
  // playwright passes the fresh profile to Chromium as --user-data-dir.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width: 1360, height: 1400 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  await gateway?.close();
  await worker?.dispose();
  await backend?.close();
});

/** Sends JSON and streamed requests to both endpoints, and reads every body to the end. */
async function sendTraffic(origin: string): Promise<void> {
  for (let index = 0; index < REQUESTS; index++) {
    const stream = index % 3 === 0;
    const chat = index % 2 === 0;
    const input = chat ? { messages: [{ role: 'user', content: `Story ${index}` }] } : { prompt: `Story ${index}` };
    const body = { model: 'stories260K', ...input, max_tokens: 6 + (index % 10), temperature: 0, stream, ...(stream ? { stream_options: { include_usage: true } } : {}) };
    const response = await fetch(`${origin}${chat ? '/v1/chat/completions' : '/v1/completions'}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    await response.text();
  }
}

/** Logs in on `origin`'s dashboard, checks that every chart has data and saves a screenshot. */
async function checkDashboard(origin: string, screenshot: string): Promise<void> {
  // Cookies ignore the port, so the other gateway's session on 127.0.0.1 must go first.
  await (browser as BrowserContext).clearCookies();
  const page = await (browser as BrowserContext).newPage();
  const external: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(origin)) external.push(request.url());
  });

  await page.goto(`${origin}/dashboard`);
  expect(await page.locator('form.login input[name=token]').count()).toBe(1);

  await page.fill('input[name=token]', 'wrong-token');
  await page.click('form.login button[type=submit]');
  expect(await page.locator('.login .error').textContent()).toContain('invalid');

  await page.fill('input[name=token]', ADMIN_TOKEN);
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 });

  // Records are written after each body ends, so the last few may land after the first load.
  for (let attempt = 0; attempt < 20 && (await page.locator('#card-requests').textContent()) !== String(REQUESTS); attempt++) {
    await page.click('[data-window="1h"]');
    await page.waitForTimeout(100);
  }

  for (const chart of ['latency', 'throughput', 'price', 'savings']) {
    expect(await page.locator(`svg[data-chart="${chart}"] .point`).count(), chart).toBeGreaterThan(0);
  }
  expect(await page.locator('svg[data-chart="latency"] path.line').count()).toBeGreaterThanOrEqual(2);
  expect(await page.locator('#card-requests').textContent()).toBe(String(REQUESTS));
  expect(await page.locator('#variant-rows tr').count()).toBe(2);
  expect(external).toEqual([]);

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, screenshot), fullPage: true });
  await page.close();
}

describe.skipIf(!existsSync(CHROMIUM))('dashboard in Chromium', () => {
  it('draws recorded data from the Node gateway', async () => {
    await checkDashboard(gateway.url, 'dashboard.png');
  }, 60_000);

  it('draws recorded data from the Worker in workerd', async () => {
    await checkDashboard(workerURL, 'dashboard-workerd.png');
  }, 60_000);
});

describe('dashboard data without a session', () => {
  it('is rejected', async () => {
    const response = await fetch(`${gateway.url}/dashboard/data?window=1h`);

    expect(response.status).toBe(401);
  });
});
