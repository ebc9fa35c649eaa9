// The public portal in a real browser (docs/portal.md section 5).
//
// Builds a small city with the real binaries (scripts/city.sh), draws two
// tasks against the manual "pub" beacon, publishes a result, has a witness
// cosign a checkpoint, writes the site with `suiji-verify --site`, serves it
// from 127.0.0.1 and drives Debian's chromium (headless) with
// playwright-core:
//
//   - every page loads, in Chinese and in English, with no console error;
//   - the draw page recomputes every step and says so;
//   - the own check of a drawn, an undrawn and an excluded business gives the
//     answer of `suiji-verify check-entity` (drawn or not, score, cutoff);
//   - tampered copies of the site (a seed byte, a drawn id, a cutoff, a
//     count, R, a beacon value, a proof hash, the entry, the checkpoint) make
//     the page say which check failed, in Chinese and English;
//   - no page and no file of the site holds a phone number, an ID number, an
//     address, an officer or a result's free text of the fixture;
//   - data reaches the page as text: a task named with markup shows the
//     markup as characters.
//
//   node tests/browser/run.mjs [BIN]      BIN: the binaries (default build)
//
// Screenshots go to build/browser/. The last line is "N passed, N failed";
// the exit status is 1 on any failure, 2 when the fixture cannot be built.
// Environment: CHROMIUM (default /usr/bin/chromium), PORTAL (the portal's
// files, default portal/), KEEP=1 keeps the city.

import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const BIN = process.argv[2] ? resolve(process.argv[2]) : join(ROOT, 'build');
const OUT = join(ROOT, 'build', 'browser');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PORTAL = resolve(process.env.PORTAL || join(ROOT, 'portal'));

let passed = 0, failed = 0;

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok    ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL  ${name}: ${e && e.message ? e.message.split('\n')[0] : e}`);
  }
}
function eq(got, want, what) {
  if (got !== want) throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}
function ok(cond, what) {
  if (!cond) throw new Error(what);
}

// ---------------------------------------------------------------- the fixture

function sh(cwd, file, args, input) {
  return execFileSync(file, args, { cwd, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

function csv(path) {
  const [head, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  // The fixture's cells hold no comma except in quoted addresses.
  const split = (line) => {
    const out = [];
    let cur = '', q = false;
    for (const c of line) {
      if (c === '"') q = !q;
      else if (c === ',' && !q) { out.push(cur); cur = ''; } else cur += c;
    }
    out.push(cur);
    return out;
  };
  const cols = split(head);
  return rows.map((r) => Object.fromEntries(split(r).map((v, i) => [cols[i], v])));
}

// Public values for the "pub" source, drawn after the commitment: a round's
// time must be after the commitment's, so wait for the next second.
function pubRound(dir) {
  const t0 = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) === t0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  const t = Math.floor(Date.now() / 1000);
  writeFileSync(join(dir, 'pub.json'), JSON.stringify({ time: t, sources: [{ name: 'test lottery', kind: 'numeric', values: [String(t % 97), '7', '19'] }] }));
  // Only values the registered notary signed count (R6, docs/beacon.md 6.1).
  sh(dir, join(BIN, 'suiji'), ['pubvalues', 'sign', '--key', 'notary.key', '--origin', 'suiji.example/lianyungang-2026',
    '--source', 'pub', 'pub.json', '-o', 'pub.signed']);
  sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'pubvalues', 'add', 'pub.signed']);
}

let nDraw = 0;
function taskDraw(dir, agency, task, tags) {
  const rid = `b${++nDraw}`;
  writeFileSync(join(dir, 'draw.json'), JSON.stringify({
    request_id: rid, agency, task, slot_size: 2, officer_repeat_in_slot: true, deadline_hours: 24,
    beacons: [{ source: 'pub', round: 0 }], officer_tags: tags,
  }));
  const o = sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'draw', 'task', 'draw.json']);
  const m = /draw request (\d+)/.exec(o);
  if (!m) throw new Error(`no draw request in: ${o}`);
  pubRound(dir);
  sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'draw', 'reveal', m[1], '--round', 'pub.json']);
  return Number(m[1]);
}

// The marker of the ID-number check: the objects' CSV carries phone numbers
// but no ID number, so one goes into an address and a legal representative's
// field (both withheld by docs/results.md section 5.1).
const ID_NUMBER = '320706198503151234';
const RESULT_TEXT = '进货查验记录不全，联系人手机13912345678';
const XSS_NAME = '<img src=x id=xss-probe>注入测试<b>粗体</b>';

function buildCity(dir) {
  sh(ROOT, 'sh', ['scripts/city.sh', BIN, dir, '60']);
  // Re-import the directory with an ID number in two withheld fields.
  const path = join(dir, 'objects-scjg.csv');
  const lines = readFileSync(path, 'utf8').split('\n');
  lines[1] = lines[1].replace('示例路0号', `示例路0号 身份证${ID_NUMBER}`).replace(',张0,', `,张0 ${ID_NUMBER},`);
  writeFileSync(join(dir, 'objects-id.csv'), lines.join('\n'));
  sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'import', 'objects', 'objects-id.csv', '--agency', 'scjg']);
  // A task whose name is markup: the page must show it as characters.
  const task = JSON.parse(readFileSync(join(ROOT, 'scripts/city/task-scjg-food.json'), 'utf8'));
  task.task_id = 'scjg-2026-markup';
  task.name = XSS_NAME;
  writeFileSync(join(dir, 'task-markup.json'), JSON.stringify(task));
  sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'task', 'create', 'task-markup.json', '--key', 'op.key']);

  const food = taskDraw(dir, 'scjg', 'scjg-2026-food', ['law']);
  const prov = taskDraw(dir, 'jsscjg', 'js-2026-a', ['food']);
  // A reveal withheld although the notary's values came in time (R6): the
  // portal must list it, blamed on the log operator. A task is drawn once
  // (R6), so this draw is of a task of its own, reviewed like any (R5).
  const wtask = JSON.parse(readFileSync(join(ROOT, 'scripts/city/task-scjg-food.json'), 'utf8'));
  wtask.task_id = 'scjg-2026-withheld';
  writeFileSync(join(dir, 'task-withheld.json'), JSON.stringify(wtask));
  sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'task', 'create', 'task-withheld.json', '--key', 'op.key']);
  sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'task', 'review', 'scjg', 'scjg-2026-withheld', '--approve', '--key', 'legal.key']);
  writeFileSync(join(dir, 'draw.json'), JSON.stringify({
    request_id: 'withheld', agency: 'scjg', task: 'scjg-2026-withheld', slot_size: 2, officer_repeat_in_slot: true,
    deadline_hours: 0.0008, beacons: [{ source: 'pub', round: 0 }], officer_tags: ['law'],
  }));
  const withheld = Number(/draw request (\d+)/.exec(sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'draw', 'task', 'draw.json']))[1]);
  pubRound(dir);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
  const printed = sh(dir, join(BIN, 'suiji-verify'), ['draw', 'data/ledger.db', String(food)]);
  const first = /\n\s+1\. (\S+)\s+stratum/.exec(printed)[1];
  writeFileSync(join(dir, 'result.json'), JSON.stringify({
    agency: 'scjg', task_agency: 'scjg', task: 'scjg-2026-food', object: first,
    check_date: '2026-11-16', check_end: '2026-11-18', items: ['food-safety'],
    account: RESULT_TEXT, categories: ['发现问题经责令已改正'], handling: `责令改正，身份证${ID_NUMBER}`,
  }));
  for (const [step, key] of [['enter', 'op'], ['review', 'legal'], ['publish', 'op']]) {
    sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'result', step, 'result.json', '--key', `${key}.key`]);
  }
  // An adjustment of the city regulator's plan (R4): version 2, returned by
  // legal review once, then approved, filed and published.
  const plan = JSON.parse(readFileSync(join(ROOT, 'scripts/city/plan-scjg.json'), 'utf8'));
  plan.version = 2;
  plan.timing = '全年（年中调整）';
  writeFileSync(join(dir, 'plan-v2.json'), JSON.stringify(plan));
  const suijid = (...a) => sh(dir, join(BIN, 'suijid'), ['-d', 'data', ...a]);
  suijid('plan', 'submit', 'plan-v2.json', '--key', 'op.key');
  suijid('plan', 'review', 'scjg', 'scjg-2026', '2', '--return', '比例依据需补充说明', '--key', 'legal.key');
  suijid('plan', 'submit', 'plan-v2.json', '--key', 'op.key');
  suijid('plan', 'review', 'scjg', 'scjg-2026', '2', '--approve', '--key', 'legal.key');
  suijid('plan', 'file', 'scjg', 'scjg-2026', '2', '--key', 'sup.key');
  suijid('plan', 'publish', 'scjg', 'scjg-2026', '2', '--key', 'op.key');
  // A witness cosigns the latest checkpoint.
  writeFileSync(join(dir, 'log.vkey'), sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'log-key']));
  writeFileSync(join(dir, 'w.vkey'), sh(dir, join(BIN, 'suiji'), ['keygen', '-k', 'w.key', '--name', 'witness.example/w1', '--witness']));
  sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'add-witness', '--key', 'w.vkey']);
  sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'checkpoint', '-o', 'cp']);
  sh(dir, join(BIN, 'suiji'), ['cosign', '-k', 'w.key', '--log-key', 'log.vkey', '--state', 'w.state', 'cp', '-o', 'cp.cosigned']);
  sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'cosign', 'cp.cosigned']);
  sh(dir, join(BIN, 'suiji-verify'), ['-q', 'data/ledger.db', '--site', 'site', '--assets', PORTAL]);
  return { food, prov, first, withheld };
}

// What the fixture holds that must never be public: phone numbers, the ID
// number, addresses, legal representatives, officers and experts (ids and
// names), declared conflicts' reasons, results' free text.
function secrets(dir) {
  const s = new Set([ID_NUMBER, RESULT_TEXT, '13912345678']);
  for (const f of readdirSync(dir).filter((x) => /^objects-.*\.csv$/.test(x))) {
    for (const r of csv(join(dir, f))) {
      if (r['联系电话']) s.add(r['联系电话']);
      if (r['地址']) s.add(r['地址']);
      if (r['法定代表人'] && r['法定代表人'].length > 2) s.add(r['法定代表人']);
    }
  }
  for (const f of readdirSync(dir).filter((x) => /^(officers|experts)-.*\.csv$/.test(x))) {
    for (const r of csv(join(dir, f))) {
      for (const k of ['执法证号', '姓名', '专家编号']) if (r[k]) s.add(r[k]);
    }
  }
  return [...s].filter((x) => x.length >= 5);
}

function walk(d) {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

// ---------------------------------------------------------------- the server

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8', '.csv': 'text/csv; charset=utf-8', '.txt': 'text/plain; charset=utf-8',
  '.vkey': 'text/plain; charset=utf-8',
};

// Serves base/<site>/... for every site folder under base; nothing outside.
function serve(base) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let p = normalize(decodeURIComponent(url.pathname));
    if (p.endsWith('/')) p += 'index.html';
    const file = join(base, p);
    if (!file.startsWith(base + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok2) => server.listen(0, '127.0.0.1', () => ok2(server)));
}

// ---------------------------------------------------------------- the browser

const ROUTES = ['overview', 'items', 'plans', 'tasks', 'draws', 'draw/{food}', 'draw/{prov}', 'results', 'check', 'fairness', 'downloads'];

async function main() {
  mkdirSync(OUT, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'suiji-browser-'));
  const city = join(work, 'city');
  let fx;
  try {
    fx = buildCity(city);
  } catch (e) {
    console.log(`FAIL  the fixture city: ${e.message}\n${e.stderr || ''}`);
    console.log('0 passed, 1 failed');
    process.exit(2);
  }
  const sites = join(work, 'sites');
  mkdirSync(sites);
  cpSync(join(city, 'site'), join(sites, 'good'), { recursive: true });
  const server = await serve(sites);
  const origin = `http://127.0.0.1:${server.address().port}`;

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const errors = [], pageErrors = [];
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => { errors.push(e.message); pageErrors.push(e.message); });

  const route = (r) => r.replace('{food}', fx.food).replace('{prov}', fx.prov);
  // Waits for the route and any check on it to finish. A script error in the
  // page ends this wait and every later one at once: the routes share one
  // document, so a page that could not run its modules never gets ready.
  const ready = async () => {
    const t0 = Date.now();
    for (;;) {
      if (pageErrors.length) throw new Error(`script error in the page: ${pageErrors[0]}`);
      const done = await page.evaluate(() => {
        if (document.body.getAttribute('data-ready') !== 'true') return false;
        const c = document.querySelector('#check[data-check], #check-out');
        return !c || (c.getAttribute('data-check') || c.getAttribute('data-state')) !== 'running';
      });
      if (done) return;
      if (Date.now() - t0 > 60000) throw new Error('the page is not ready after 60 s');
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const go = async (site, hash) => {
    await page.goto(`${origin}/${site}/index.html#/${hash}`);
    // A hash change alone does not reload: force the route.
    await page.evaluate(() => window.dispatchEvent(new HashChangeEvent('hashchange')));
    await ready();
  };
  const useLang = async (lang) => {
    if (await page.evaluate(() => document.documentElement.lang) !== lang) {
      await page.click('#lang');
      await ready();
    }
  };
  const shot = (name) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
  const draw = JSON.parse(readFileSync(join(city, 'site', 'data', `draw-${fx.food}.json`), 'utf8'));
  const site = JSON.parse(readFileSync(join(city, 'site', 'data', 'site.json'), 'utf8'));

  // 1. Every page, in both languages, without console errors.
  const pageTexts = [];
  for (const lang of ['zh-CN', 'en']) {
    for (const r of ROUTES) {
      await check(`page ${r} loads without errors (${lang})`, async () => {
        errors.length = 0;
        await go('good', route(r));
        await useLang(lang);
        eq(await page.evaluate(() => document.documentElement.lang), lang, 'page language');
        eq(await page.$('#error'), null, 'an error banner');
        await shot(`${r.replace('/', '-').replace(/\{|\}/g, '')}-${lang}`.replace(/draw-\d+/, (m) => m));
        pageTexts.push([`${r} (${lang})`, await page.evaluate(() => document.documentElement.innerText + document.documentElement.outerHTML)]);
        eq(errors.join(' | '), '', 'console errors');
      });
    }
  }
  await check('the English switch changes the navigation and the title', async () => {
    await go('good', 'overview');
    await useLang('zh-CN');
    const zh = await page.textContent('#nav a[data-route="check"]');
    await page.click('#lang');
    await ready();
    const en = await page.textContent('#nav a[data-route="check"]');
    eq([zh, en].join('|'), '企业自查|Own check', 'navigation');
    await page.click('#lang');
    await ready();
    eq(await page.evaluate(() => document.documentElement.lang), 'zh-CN', 'back to Chinese');
  });
  await check('every word has an English twin and every check step its words', async () => {
    const i18n = await import('../../portal/js/i18n.js');
    const { STEPS } = await import('../../portal/js/check.js');
    const missing = i18n.KEYS.filter((k) => !i18n.EN_KEYS.includes(k)).concat(i18n.EN_KEYS.filter((k) => !i18n.KEYS.includes(k)));
    eq(missing.join(','), '', 'keys in one language only');
    for (const s of STEPS) ok(i18n.KEYS.includes(`step.${s}`), `step ${s} has no words`);
  });

  // 2. The overview verifies the checkpoint and the witness's cosignature.
  await check('overview: the checkpoint\'s log signature verifies in the browser', async () => {
    await go('good', 'overview');
    await page.waitForSelector('#cp-sig[data-ok]');
    eq(await page.getAttribute('#cp-sig', 'data-ok'), 'true', 'log signature');
    ok((await page.textContent('#cosignatures')).includes('witness.example/w1'), 'the cosigner is not named');
  });
  await check('overview: one line says when the log was last checkpointed and witnessed', async () => {
    await go('good', 'overview');
    const was = await page.evaluate(() => document.documentElement.lang);
    await useLang('en');
    const line = await page.textContent('#freshness');
    await useLang(was);
    ok(line.includes('checkpoint covers entries up to'), `no checkpoint time in "${line}"`);
    ok(site.freshness.witnessed_time === null ? line.includes('not cosigned') : line.includes('last cosigned by'), `no witness time in "${line}"`);
    ok(site.freshness.uncovered > 0 === line.includes('in no checkpoint yet'), `uncovered entries misreported in "${line}"`);
  });
  await check('overview: the witness key verifies its cosignature, another key does not', async () => {
    await go('good', 'overview');
    await page.fill('#witness-key', readFileSync(join(city, 'w.vkey'), 'utf8').trim());
    await page.click('#cosignatures button');
    await page.waitForSelector('#witness-result .verdict');
    ok(await page.$('#witness-result .verdict.ok'), `witness: ${await page.textContent('#witness-result')}`);
    await page.fill('#witness-key', site.log_key);
    await page.click('#cosignatures button');
    await page.waitForSelector('#witness-result .verdict.fail');
  });

  // 3. The draw page recomputes every step.
  for (const n of [fx.food, fx.prov]) {
    await check(`draw ${n}: every step recomputes and the page says so`, async () => {
      await go('good', `draw/${n}`);
      eq(await page.getAttribute('#check', 'data-check'), 'ok', 'verdict');
      const steps = await page.$$eval('#steps li', (l) => l.map((x) => `${x.getAttribute('data-step')}=${x.getAttribute('data-ok')}`));
      ok(steps.length >= 14, `only ${steps.length} steps shown`);
      eq(steps.filter((s) => !s.endsWith('=true')).join(','), '', 'steps not passed');
      eq(await page.textContent('#randomness'), JSON.parse(readFileSync(join(city, 'site', 'data', `draw-${n}.json`), 'utf8')).randomness, 'R shown');
    });
  }

  // 4. The own check against suiji-verify check-entity.
  const cliAnswer = (id) => sh(city, join(BIN, 'suiji-verify'), ['check-entity', 'data/ledger.db', '--id', id, '--json'])
    .trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const pool = csv(join(city, 'objects-scjg.csv')).map((r) => r['统一社会信用代码']);
  const undrawn = pool.find((id) => {
    const a = cliAnswer(id);
    return a.length > 0 && a.every((x) => !x.drawn && !x.excluded);
  });
  const excluded = (draw.object_exclusions || [])[0] && draw.object_exclusions[0].id;
  const ownCheck = async (sitename, id, only) => {
    await go(sitename, `check?id=${id}${only ? `&draw=${only}` : ''}`);
    return page.$$eval('#check-out section[data-draw]', (l) => l.map((c) => ({
      draw: Number(c.getAttribute('data-draw')), ok: c.getAttribute('data-ok'),
      drawn: c.getAttribute('data-drawn'), score: c.getAttribute('data-score'),
      cutoff: c.getAttribute('data-cutoff'), excluded: c.getAttribute('data-excluded'),
      text: c.innerText,
    })));
  };
  for (const [what, id, tag] of [['a drawn business', fx.first, 'drawn'], ['an undrawn business', undrawn, 'undrawn'], ['an excluded business', excluded, 'excluded']]) {
    await check(`own check of ${what} (${id}) gives check-entity's answer for every draw`, async () => {
      ok(id, `the fixture has no ${what}`);
      const cli = cliAnswer(id);
      ok(cli.length > 0, 'check-entity finds it in no draw');
      const web = await ownCheck('good', id);
      await shot(`check-${tag}`);
      eq(web.map((w) => w.draw).sort().join(','), cli.map((c) => c.request_seq).sort().join(','), 'draws found');
      for (const c of cli) {
        const w = web.find((x) => x.draw === c.request_seq);
        eq(w.ok, 'true', `draw ${c.request_seq}: every step passed`);
        eq(w.drawn, String(c.drawn), `draw ${c.request_seq}: drawn`);
        eq(w.score, c.score, `draw ${c.request_seq}: score`);
        eq(w.cutoff, c.cutoff_score, `draw ${c.request_seq}: cutoff`);
        eq(w.excluded !== '', c.excluded, `draw ${c.request_seq}: excluded`);
      }
    });
  }
  await check('own check of a code in no pool says so; a malformed code is named', async () => {
    const web = await ownCheck('good', '91350100M000100Y43');
    eq(web.length, 0, 'draws found');
    ok(await page.$('#not-in-any'), 'no "in no draw" message');
    await ownCheck('good', '91350100M000100Y4Z');
    ok(await page.$('#bad-id'), 'the malformed code is not named');
  });
  await check('own check from the form: typing a code and pressing the button checks it', async () => {
    await go('good', 'check');
    await page.fill('#uscc', fx.first.toLowerCase());
    await page.click('#check-form button');
    await page.waitForSelector('#check-out[data-state="done"]', { timeout: 60000 });
    const cards = await page.$$eval('#check-out section[data-draw]', (l) => l.map((c) => c.getAttribute('data-drawn')));
    ok(cards.length >= 1 && cards.includes('true'), `cards: ${cards.join(',')}`);
  });
  await check('own check: a draw picked without a code opens that draw\'s page, checked', async () => {
    await go('good', 'check');
    await page.selectOption('#pick-draw', String(fx.prov));
    await page.click('#check-form button');
    await page.waitForSelector('#check[data-check="ok"], #check[data-check="failed"]', { timeout: 60000 });
    eq(await page.evaluate(() => location.hash), `#/draw/${fx.prov}`, 'route');
    eq(await page.getAttribute('#check', 'data-check'), 'ok', 'verdict');
  });
  await check('own check restricted to one draw checks that draw only', async () => {
    const web = await ownCheck('good', fx.first, fx.food);
    eq(web.map((w) => w.draw).join(','), String(fx.food), 'draws');
    eq(web[0].drawn, 'true', 'drawn');
  });

  // 5. Tampered copies: the page names the failed check.
  const tampered = [
    ['seed', (d) => { d.seed = (d.seed[0] === '0' ? '1' : '0') + d.seed.slice(1); }, ['seed', 'randomness']],
    ['drawn-id', (d) => { d.drawn[0].id = undrawn; }, ['drawn']],
    ['cutoff', (d) => { const s = d.strata.find((x) => x.drawn > 0); s.cutoff_score = 'ffffffffffffffff'; }, ['cutoffs']],
    ['count', (d) => { d.strata[0].drawn += 1; }, ['counts']],
    ['randomness', (d) => { d.randomness = '00' + d.randomness.slice(2); }, ['randomness']],
    ['beacon', (d) => { d.beacons[0].value = 'ff' + d.beacons[0].value.slice(2); }, ['randomness', 'beacons']],
    ['beacon-numbers', (d) => {
      const doc = JSON.parse(d.beacons[0].document);
      doc.sources[0].values[0] = String(Number(doc.sources[0].values[0]) + 1);
      d.beacons[0].document = JSON.stringify(doc);
    }, ['beacons']],
    ['beacon-time', (d) => {
      const doc = JSON.parse(d.beacons[0].document);
      doc.time = Math.floor(d.commit_time / 1e6) - 60;
      d.beacons[0].document = JSON.stringify(doc);
    }, ['beacons']],
    ['proof', (d) => { const h = d.proof.hashes[0]; d.proof.hashes[0] = (h[0] === 'A' ? 'B' : 'A') + h.slice(1); }, ['inclusion']],
    ['entry', (d) => {
      // The commitment's last byte: the payload ends just before the log
      // signature that closes every entry (docs/ledger.md section 1).
      const b = Buffer.from(d.commit_entry_bytes, 'base64');
      b[b.length - 65] ^= 1;
      d.commit_entry_bytes = b.toString('base64');
    }, ['entryhash', 'inclusion', 'seed']],
    ['exclusion', (d) => { d.object_exclusions = []; }, ['counts']],
    ['no-proof', (d) => { delete d.proof; }, ['inclusion']],
  ];
  for (const [name, edit, want] of tampered) {
    await check(`tampered ${name}: the draw page says which check failed, in Chinese and English`, async () => {
      const dir = join(sites, `t-${name}`);
      cpSync(join(sites, 'good'), dir, { recursive: true });
      const d = JSON.parse(JSON.stringify(draw));
      edit(d);
      writeFileSync(join(dir, 'data', `draw-${fx.food}.json`), JSON.stringify(d));
      await go(`t-${name}`, `draw/${fx.food}`);
      eq(await page.getAttribute('#check', 'data-check'), 'failed', 'verdict');
      const failedSteps = await page.$$eval('#check [data-failed-step]', (l) => l.map((x) => x.getAttribute('data-failed-step')));
      for (const s of want) ok(failedSteps.includes(s), `step ${s} not reported failed (failed: ${failedSteps.join(',')})`);
      const text = await page.textContent('#check .banner');
      ok(text.includes('核验失败') && text.includes('Check failed'), `banner not in both languages: ${text}`);
      await shot(`tampered-${name}`);
    });
  }
  await check('tampered checkpoint signature: the overview and the draw page say so', async () => {
    const dir = join(sites, 't-checkpoint');
    cpSync(join(sites, 'good'), dir, { recursive: true });
    const s = JSON.parse(JSON.stringify(site));
    const lines = s.checkpoint.split('\n');
    lines[1] = String(Number(lines[1]) + 1);
    s.checkpoint = lines.join('\n');
    writeFileSync(join(dir, 'data', 'site.json'), JSON.stringify(s));
    await go('t-checkpoint', `draw/${fx.food}`);
    const failedSteps = await page.$$eval('#check [data-failed-step]', (l) => l.map((x) => x.getAttribute('data-failed-step')));
    ok(failedSteps.includes('checkpoint'), `checkpoint not reported failed (failed: ${failedSteps.join(',')})`);
    await go('t-checkpoint', 'overview');
    await page.waitForSelector('#cp-sig[data-ok]');
    eq(await page.getAttribute('#cp-sig', 'data-ok'), 'false', 'log signature');
  });
  await check('tampered drawn id: the own check of the business put on the list fails', async () => {
    const web = await ownCheck('t-drawn-id', undrawn, fx.food);
    eq(web.length, 1, 'draws found');
    eq(web[0].ok, 'false', 'the card\'s verdict');
    eq(web[0].drawn, 'false', 'the recomputed answer');
    ok(web[0].text.includes('核验失败') && web[0].text.includes('Check failed'), 'no failure in both languages');
    await shot('tampered-own-check');
  });
  await check('tampered seed: the own check of a drawn business fails', async () => {
    const web = await ownCheck('t-seed', fx.first, fx.food);
    eq(web[0].ok, 'false', 'the card\'s verdict');
  });

  // 6. Privacy (R17, PIPL): nothing personal in any file or page.
  const secret = secrets(city);
  await check(`no file of the site holds any of the fixture's ${secret.length} personal values`, async () => {
    ok(secret.some((s) => /^0518-8\d{7}$/.test(s)), 'the fixture\'s phone numbers were not found');
    ok(readFileSync(join(city, 'objects-id.csv'), 'utf8').includes(ID_NUMBER), 'the ID number is not in the fixture');
    const files = walk(join(city, 'site'));
    ok(files.some((f) => f.endsWith(join('downloads', 'results.csv'))), 'no downloads/results.csv');
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const s of secret) ok(!text.includes(s), `${f.slice(city.length + 1)} holds ${s}`);
    }
  });
  await check('no page shows any personal value or officer', async () => {
    ok(pageTexts.length === ROUTES.length * 2, `${pageTexts.length} pages read`);
    for (const [name, text] of pageTexts) for (const s of secret) ok(!text.includes(s), `page ${name} holds ${s}`);
  });
  await check('the results page and download hold the published result, without its free text', async () => {
    await go('good', 'results');
    const text = await page.textContent('#results');
    ok(text.includes(fx.first) && text.includes('发现问题经责令已改正'), 'the result is not shown');
    const dl = readFileSync(join(city, 'site', 'downloads', 'results.csv'), 'utf8');
    ok(dl.startsWith('企业名称,统一社会信用代码,抽查计划编号') && dl.includes(fx.first), 'results.csv');
  });

  await check('plans: every version of a plan and every step, a return included', async () => {
    await go('good', 'plans');
    const rows = await page.$$eval('section[data-plan="scjg-2026"] tbody tr', (l) => l.map((r) => [...r.children].map((c) => c.textContent).slice(0, 2).join(' ')));
    eq(rows.join(', '), '1 提交, 1 法制审核通过, 1 司法局备案, 1 公布, 2 提交, 2 法制审核退回, 2 提交, 2 法制审核通过, 2 司法局备案, 2 公布', 'versions and steps');
    ok((await page.textContent('section[data-plan="scjg-2026"]')).includes('全年（年中调整）'), 'version 2\'s text is not shown');
  });

  // 7. Data is text: markup in a task name is shown as characters.
  await check('a task named with markup is shown as text, never parsed', async () => {
    await go('good', 'tasks');
    ok((await page.textContent('#tasks')).includes(XSS_NAME), 'the name is not shown verbatim');
    eq(await page.$('#xss-probe'), null, 'an element made from data');
    eq(await page.$$eval('#app img, #app b', (l) => l.length), 0, 'markup elements in the page');
  });

  // 8. Fairness charts are drawn from the draws and checks.
  await check('fairness: one chart per draw\'s strata and districts, and the checks per object', async () => {
    await go('good', 'fairness');
    const n = await page.$$eval('#app svg.chart', (l) => l.length);
    ok(n >= 5, `${n} charts`);
    const rows = await page.$$eval(`section[data-draw="${fx.food}"] svg.chart:first-of-type g.row`, (l) => l.length);
    eq(rows, draw.strata.length, 'strata rows');
  });

  await check('draws: a withheld reveal is listed as abandoned, blamed on the log operator', async () => {
    await go('good', 'draws');
    const failed = await page.getAttribute(`#abandoned tr[data-abandoned="${fx.withheld}"]`, 'data-failed');
    eq(failed, 'log-operator', 'who failed');
    const text = await page.textContent('#abandoned');
    ok(text.includes('withheld'), 'the request id is shown');
  });

  await browser.close();
  server.close();
  if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
  else console.log(`city kept in ${work}`);
}

try {
  await main();
} catch (e) {
  failed++;
  console.log(`FAIL  the browser run: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' ') : e}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
