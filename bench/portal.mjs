// make bench: how long the portal's draw page takes, in headless chromium,
// to load a draw of more than 10,000 drawn objects and finish its check
// (docs/portal.md section 5), beside two baselines from the same run:
// `suiji-verify draw` re-deriving the same draw in C from the ledger, and
// the same JavaScript check (js/check.js) in node without a page.
//
// It builds a city of 12,000 businesses (scripts/city.sh), a task over
// scope "all" at 1/1 in every risk class, draws it against the manual "pub"
// beacon, writes the site and serves it on 127.0.0.1.
//
//   node bench/portal.mjs [BIN]        BIN: the binaries (default build)
//
// Exits 1 only when something it measures does not work (the city, the
// draw, a page whose check fails); a slow figure is printed, not failed.

import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { webcrypto } from 'node:crypto';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.argv[2] ? resolve(process.argv[2]) : join(ROOT, 'build');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OBJECTS = 12000;
const RUNS = 3;

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const sh = (cwd, file, args) => execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function city(dir) {
  sh(ROOT, 'sh', ['scripts/city.sh', BIN, dir, String(OBJECTS)]);
  writeFileSync(join(dir, 'task-bench.json'), JSON.stringify({
    agency: 'scjg', task_id: 'bench-all', plan_id: 'scjg-2026', plan_version: 1, name: '全市市场主体全覆盖抽查（基准）',
    scope_filter: 'all', items: ['food-safety'],
    strata: ['A', 'B', 'C', 'D'].map((name) => ({ name, ratio: '1/1' })),
    team_size: 2, start_date: '2026-09-01', end_date: '2026-12-31', targeted: true, joint: false,
  }));
  sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'task', 'create', 'task-bench.json', '--key', 'op.key']);
  writeFileSync(join(dir, 'draw.json'), JSON.stringify({
    request_id: 'bench1', agency: 'scjg', task: 'bench-all', slot_size: 5, officer_repeat_in_slot: true,
    deadline_hours: 24, beacons: [{ source: 'pub', round: 0 }], officer_tags: ['law'],
  }));
  const n = Number(/draw request (\d+)/.exec(sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'draw', 'task', 'draw.json']))[1]);
  // The round's time must be after the commitment's: the next second.
  const t0 = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) === t0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  const t = Math.floor(Date.now() / 1000);
  writeFileSync(join(dir, 'pub.json'), JSON.stringify({ time: t, sources: [{ name: 'bench', kind: 'numeric', values: [String(t % 97), '7', '19'] }] }));
  // Only values the registered notary signed count (R6).
  sh(dir, join(BIN, 'suiji'), ['pubvalues', 'sign', '--key', 'notary.key', '--origin', 'suiji.example/lianyungang-2026',
    '--source', 'pub', 'pub.json', '-o', 'pub.signed']);
  sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'pubvalues', 'add', 'pub.signed']);
  sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'draw', 'reveal', String(n), '--round', 'pub.json']);
  sh(dir, join(BIN, 'suijid'), ['-d', 'data', 'checkpoint', '-o', 'cp']);
  sh(dir, join(BIN, 'suiji-verify'), ['-q', 'data/ledger.db', '--site', 'site', '--assets', join(ROOT, 'portal')]);
  return n;
}

function serve(base) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
  const server = createServer((req, res) => {
    let p = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (p.endsWith('/')) p += 'index.html';
    const f = join(base, p);
    if (!f.startsWith(base + sep) || !existsSync(f) || !statSync(f).isFile()) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': `${types[extname(f)] || 'text/plain'}; charset=utf-8` });
    res.end(readFileSync(f));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'suiji-bench-portal-'));
  const dir = join(work, 'city');
  try {
    const n = city(dir);
    const site = join(dir, 'site');
    const draw = JSON.parse(readFileSync(join(site, 'data', `draw-${n}.json`), 'utf8'));
    const siteJson = JSON.parse(readFileSync(join(site, 'data', 'site.json'), 'utf8'));
    const pool = draw.strata.reduce((a, s) => a + s.eligible, 0);
    const drawn = draw.drawn.length;
    if (drawn < 10000) throw new Error(`only ${drawn} objects drawn`);
    const bytes = statSync(join(site, 'data', `draw-${n}.json`)).size;

    // Baseline 1: the C verifier re-derives the draw from the ledger.
    const cTimes = [];
    for (let i = 0; i < RUNS; i++) {
      const t = process.hrtime.bigint();
      const r = spawnSync(join(BIN, 'suiji-verify'), ['draw', 'data/ledger.db', String(n)], { cwd: dir, stdio: 'ignore' });
      cTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (r.status !== 0) throw new Error('suiji-verify draw failed');
    }

    // Baseline 2: the same JavaScript check in node, without a page.
    const { checkDraw } = await import(pathToFileURL(join(ROOT, 'portal', 'js', 'check.js')));
    const nodeTimes = [];
    for (let i = 0; i < RUNS; i++) {
      const t = process.hrtime.bigint();
      const c = await checkDraw(JSON.parse(readFileSync(join(site, 'data', `draw-${n}.json`), 'utf8')), siteJson, { subtle: webcrypto.subtle });
      nodeTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (!c.ok) throw new Error(`the check fails in node: ${c.steps.filter((s) => s.ok === false).map((s) => s.detail).join('; ')}`);
    }

    // The page: from navigation to the verdict, each run in a fresh context
    // (nothing cached), and the check's own share as the page measures it.
    const server = await serve(site);
    const url = `http://127.0.0.1:${server.address().port}/index.html#/draw/${n}`;
    const { chromium } = await import(pathToFileURL(join(ROOT, 'tests', 'browser', 'node_modules', 'playwright-core', 'index.mjs')));
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    const pageTimes = [], checkTimes = [];
    try {
      for (let i = 0; i < RUNS; i++) {
        const ctx = await browser.newContext();
        const page = await ctx.newPage();
        const t = process.hrtime.bigint();
        await page.goto(url);
        await page.waitForSelector('#check[data-check="ok"], #check[data-check="failed"]', { timeout: 300000 });
        pageTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (await page.getAttribute('#check', 'data-check') !== 'ok') throw new Error('the page says the check failed');
        checkTimes.push(Number(await page.getAttribute('#check', 'data-check-ms')));
        await ctx.close();
      }
    } finally {
      await browser.close();
      server.close();
    }
    const f = (x) => `${x.toFixed(0)} ms`;
    console.log(`portal: the draw page, ${drawn} drawn of ${pool} eligible objects (data/draw-${n}.json ${(bytes / 1e6).toFixed(1)} MB), median of ${RUNS} in headless chromium ${browser.version()}`);
    console.log(`  loaded and checked         ${f(median(pageTimes)).padStart(9)}   (the check itself ${f(median(checkTimes))})`);
    console.log(`  baseline: suiji-verify draw ${f(median(cTimes)).padStart(8)}   (C, from the ledger, same draw)`);
    console.log(`  baseline: js/check.js in node ${f(median(nodeTimes)).padStart(6)}   (the same check, no page)`);
    console.log(`  page / C verifier: ${(median(pageTimes) / median(cTimes)).toFixed(1)}x; page check / node check: ${(median(checkTimes) / median(nodeTimes)).toFixed(1)}x`);
  } finally {
    if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench/portal.mjs: ${e.message}${e.stderr ? `\n${e.stderr}` : ''}`);
  process.exit(1);
});
