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
  // The demo track (runtime only) is the default choice.
  if ((await page.inputValue('#track')) !== 'demo-runtime') fail('demo-runtime is not the default track');
  await page.setInputFiles('#file', model);
  // The job page updates live until the run is done.
  await page.waitForURL(/#\/job\/\d+/, {timeout: 30000});
  await page.waitForFunction(() => {
    const s = document.querySelector('#job-state');
    return s && s.textContent === 'succeeded';
  }, null, {timeout: 120000});
  const median = await page.textContent('#median-ms');
  if (!/^[0-9.]+ ms$/.test(median.trim())) fail(`median shows '${median}'`);
  // The charts are SVG drawn by the server, shown as images: they load, and
  // their bars account for every timed run and the profiled op types.
  for (const id of ['#latency-histogram', '#op-chart']) {
    await page.waitForFunction((sel) => {
      const img = document.querySelector(sel);
      return img && img.complete && img.naturalWidth > 0;
    }, id, {timeout: 10000});
  }
  const runCount = parseInt(await page.textContent('#run-count'), 10);
  const svgOf = (name) => page.evaluate(async ([jobUrl, name, token]) => {
    const id = jobUrl.match(/#\/job\/(\d+)/)[1];
    const res = await fetch(`/api/v1/jobs/${id}/charts/${name}.svg`, {headers: {Authorization: 'Bearer ' + token}});
    return {type: res.headers.get('content-type'), text: await res.text()};
  }, [page.url(), name, token]);
  const latency = await svgOf('latency');
  if (latency.type !== 'image/svg+xml') fail(`latency chart served as ${latency.type}`);
  const counted = [...latency.text.matchAll(/class="bar" data-count="(\d+)"/g)].reduce((a, m) => a + +m[1], 0);
  if (!(runCount > 0) || counted !== runCount) fail(`histogram counts ${counted} runs, the page says ${runCount}`);
  const ops = await svgOf('ops');
  if (!ops.text.includes('data-op="CONV_2D"')) fail('per-op time chart lacks CONV_2D');
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
  // The leaderboard ranks the upload by its median latency.
  await page.goto(base + '/#/leaderboards/demo-runtime');
  await page.waitForSelector('#leaderboard tr:nth-child(2)');
  const entry = await page.$$eval('#leaderboard tr:nth-child(2) td', (tds) => tds.map((t) => t.textContent.trim()));
  if (entry[0] !== '1' || entry[1] !== 'demo') fail(`leaderboard row is ${JSON.stringify(entry)}`);
  if (Math.abs(parseFloat(entry[2]) - parseFloat(median)) > 1e-3) fail(`score ${entry[2]} is not the median ${median}`);
  // A fidelity track lists the same upload as not ranked yet, with why.
  await page.goto(base + '/#/leaderboards/mai2021-denoising');
  await page.waitForSelector('#leaderboard');
  await page.goto(base + '/#/devices');
  await page.waitForSelector('#devices tr:nth-child(2)');
  if (!(await page.textContent('#devices')).includes('yes')) fail('the local agent is not online');
  // The admin page: tracks, participants with their tokens, a new
  // participant whose token is shown once, and revoking it.
  const admin = fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
  await page.goto(base + '/#/admin');
  await page.waitForSelector('#admin-tracks');
  await page.fill('#token', admin);
  await page.dispatchEvent('#token', 'change');
  await page.waitForSelector('#participants');
  if (!(await page.textContent('#admin-tracks')).includes('demo-runtime')) fail('admin page lacks the tracks');
  if (!(await page.textContent('#participants')).includes('demo')) fail('admin page lacks the demo participant');
  await page.fill('#pname', 'alice');
  await page.click('#padd');
  await page.waitForFunction(() => (document.querySelector('#admin-out') || {}).textContent?.includes('mai_p_'), null, {timeout: 10000}).catch(async () => fail('admin page: ' + await page.textContent('#view')));
  const aliceToken = (await page.textContent('#admin-out')).match(/mai_p_\S+/)[0];
  const asAlice = await fetch(base + '/api/v1/submissions', {headers: {Authorization: 'Bearer ' + aliceToken}});
  if (asAlice.status !== 200) fail(`the new participant's token gets ${asAlice.status}`);
  const aliceRow = page.locator('#participants tr', {hasText: 'alice'});
  await aliceRow.locator('button.revoke').click();
  await page.waitForFunction(() => (document.querySelector('#admin-out') || {}).textContent?.startsWith('revoked'));
  const revoked = await fetch(base + '/api/v1/submissions', {headers: {Authorization: 'Bearer ' + aliceToken}});
  if (revoked.status !== 401) fail(`a revoked token gets ${revoked.status}`);
  if (errors.length) fail('page errors: ' + errors.join('; '));
  console.log(`web_ui_test: ok (median ${median.trim()}, ${rows.length} profiled nodes); screenshot ${shot}`);
} finally {
  await browser.close();
  cleanup();
}
