#!/usr/bin/env node
// The web UI in headless Chromium (Debian's chromium, driven by
// playwright-core from npm): `mai serve --local_agent` on a free port, a real
// model uploaded through the page, the job page updating live until the
// runtime, latency histogram and per-op profile show, then the leaderboard
// and devices pages. Saves a screenshot of the finished job page.
//
//   MAI_BINARY=build/mai node tests/ui/web_ui_test.mjs
//
// Environment: MAI_BINARY (the mai executable), MAI_CACHE_DIR (models and
// playwright-core, see scripts/fetch_models.sh and fetch_playwright.sh),
// MAI_UI_SCREENSHOT (where to save the screenshot; default under the
// temporary data folder, printed). Exits 1 with a message on any failure.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
const cache = process.env.MAI_CACHE_DIR || path.join(os.homedir(), '.cache', 'mai');
const mai = process.env.MAI_BINARY;
const fail = (msg) => { console.error('web_ui_test: ' + msg); process.exit(1); };
if (!mai || !fs.existsSync(mai)) fail('set MAI_BINARY to the mai executable');
const pwDir = path.join(cache, 'node', 'playwright-core-1.65.2');
if (!fs.existsSync(pwDir)) fail(`${pwDir} missing (run scripts/fetch_playwright.sh)`);
const chromiumPath = '/usr/bin/chromium';
if (!fs.existsSync(chromiumPath)) fail('/usr/bin/chromium missing (apt-get install chromium)');
const model = path.join(cache, 'models', 'face_detection_short_range.tflite');
if (!fs.existsSync(model)) fail(`${model} missing (run scripts/fetch_models.sh)`);
const {chromium} = require(pwDir);

const freePort = () => new Promise((resolve) => {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => resolve(p)); });
});

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mai_ui_test_'));
const port = await freePort();
const server = spawn(mai, ['serve', '--data_dir', dataDir, '--port', String(port), '--local_agent'],
                     {stdio: ['ignore', 'ignore', 'inherit']});
const cleanup = () => { try { server.kill('SIGTERM'); } catch (e) {} };
process.on('exit', cleanup);
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; ++i) {
  try { if ((await fetch(base + '/healthz')).ok) break; } catch (e) {}
  if (i > 200) fail('mai serve did not start');
  await new Promise((r) => setTimeout(r, 50));
}
const token = fs.readFileSync(path.join(dataDir, 'demo.token'), 'utf8').trim();

const browser = await chromium.launch({executablePath: chromiumPath, args: ['--no-sandbox', '--headless=new']});
try {
  const page = await browser.newPage({viewport: {width: 1200, height: 1400}});
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base + '/');
  await page.fill('#token', token);
  await page.dispatchEvent('#token', 'change');
  await page.waitForSelector('#track option', {state: 'attached'});
  await page.selectOption('#track', 'mai2021-denoising');
  await page.setInputFiles('#file', model);
  // The job page updates live until the run is done.
  await page.waitForURL(/#\/job\/\d+/, {timeout: 30000});
  await page.waitForFunction(() => {
    const s = document.querySelector('#job-state');
    return s && s.textContent === 'succeeded';
  }, null, {timeout: 120000});
  const median = await page.textContent('#median-ms');
  if (!/^[0-9.]+ ms$/.test(median.trim())) fail(`median shows '${median}'`);
  if (!(await page.$('#latency-histogram rect'))) fail('no latency histogram bars');
  if (!(await page.$('#op-chart rect'))) fail('no per-op time chart');
  const rows = await page.$$('#profile tbody tr');
  if (rows.length < 10) fail(`per-op profile has ${rows.length} rows`);
  // The profile table sorts by a column when its header is clicked.
  await page.click('#profile th[data-col="2"]');
  await page.click('#profile th[data-col="2"]');
  const firstAvg = parseFloat(await page.textContent('#profile tbody tr td:nth-child(5)'));
  const avgs = await page.$$eval('#profile tbody tr td:nth-child(5)', (tds) => tds.map((t) => parseFloat(t.textContent)));
  if (firstAvg !== Math.max(...avgs)) fail('profile not sorted by avg µs (descending)');
  const shot = process.env.MAI_UI_SCREENSHOT || path.join(dataDir, 'job_page.png');
  await page.screenshot({path: shot, fullPage: true});

  // My submissions, the leaderboard and the devices page.
  await page.goto(base + '/#/');
  await page.waitForSelector('#mine table');
  if (!(await page.textContent('#mine')).includes('succeeded')) fail('submission list lacks the job');
  await page.goto(base + '/#/leaderboards/mai2021-denoising');
  await page.waitForSelector('#leaderboard');
  await page.goto(base + '/#/devices');
  await page.waitForSelector('#devices tr:nth-child(2)');
  if (!(await page.textContent('#devices')).includes('yes')) fail('the local agent is not online');
  if (errors.length) fail('page errors: ' + errors.join('; '));
  console.log(`web_ui_test: ok (median ${median.trim()}, ${rows.length} profiled nodes); screenshot ${shot}`);
} finally {
  await browser.close();
  cleanup();
}
