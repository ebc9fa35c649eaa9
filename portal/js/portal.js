// The public portal (docs/portal.md): one page, routes after '#', Chinese
// first with an English switch. It reads the site's data/*.json and, for a
// draw or a business's own check, recomputes everything with js/check.js.
//
// Every published value reaches the page as a text node (textContent) or an
// attribute value: no markup is ever built from data, so a name or a note
// holding "<script>" is shown as those characters.

import { t, both, getLang, setLang, reason } from './i18n.js';
import { checkDraw, checkEntityIn, STEPS } from './check.js';
import { shareChart, checksChart } from './charts.js';
import { base64Decode } from './merkle.js';
import { decodeObjectPool } from './draw.js';
import { parseNote, parseCheckpoint, parseVerifierKey, openCheckpoint, verifyCosignature } from './note.js';

// ---------------------------------------------------------------- DOM

// h('tag.class', {attr: value, onclick: fn}, child, ...): strings become
// text nodes, arrays are flattened, null and false are skipped.
function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split('.');
  const e = document.createElement(tag);
  if (classes.length) e.className = classes.join(' ');
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, String(v));
    }
  }
  append(e, children);
  return e;
}

function append(e, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function table(headers, rows, attrs) {
  return h('table', attrs,
    h('thead', null, h('tr', null, headers.map((x) => h('th', null, x)))),
    h('tbody', null, rows));
}

function td(v, cls) {
  return h(cls ? `td.${cls}` : 'td', null, v);
}

function facts(pairs) {
  return h('dl.facts', null, pairs.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

const app = () => document.getElementById('app');

function show(...nodes) {
  const m = app();
  m.replaceChildren();
  append(m, nodes);
}

// ---------------------------------------------------------------- data

const cache = new Map();

// The parsed JSON of a site file, fetched once per page load.
function load(path) {
  if (!cache.has(path)) {
    cache.set(path, fetch(path, { cache: 'no-cache' }).then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.json();
    }).catch((e) => {
      cache.delete(path);
      throw new LoadError(path, e);
    }));
  }
  return cache.get(path);
}

class LoadError extends Error {
  constructor(path, cause) {
    super(`${path}: ${cause && cause.message ? cause.message : cause}`);
    this.path = path;
    this.why = cause && cause.message ? cause.message : String(cause);
  }
}

const agencyName = (site, code) => (site.agencies && site.agencies[code] ? `${site.agencies[code]}（${code}）` : code);

// µs since the epoch as China's time (UTC+8), to the second.
function chinaTime(us) {
  const d = new Date(Math.floor(Number(us) / 1000) + 8 * 3600 * 1000);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} (UTC+8)`;
}

// People left out of a draw as unavailable (R11), by kind, and the leads
// it used (R10): counts only, never who.
function unavailableText(draw) {
  const kinds = Object.entries(draw.unavailable || {});
  const sum = (f) => kinds.reduce((n, [, v]) => n + (v[f] || 0), 0);
  const by = kinds.filter(([, v]) => (v.officers || 0) + (v.experts || 0) > 0)
    .map(([k, v]) => `${t(`unavail.${k}`)} ${(v.officers || 0) + (v.experts || 0)}`);
  return t('draw.unavailable.n', { o: sum('officers'), e: sum('experts'), l: draw.leads_handled || 0 }) +
    (by.length ? ` (${by.join(', ')})` : '');
}

function ruleText(r) {
  return r.kind === 'count' ? t('rule.count', r) : t('rule.ratio', r);
}

// ---------------------------------------------------------------- unified social credit code (GB 32100-2015)

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

export function validUscc(s) {
  if (typeof s !== 'string' || !/^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(s)) return false;
  let sum = 0, w = 1;
  for (let i = 0; i < 17; i++) {
    sum += USCC_CHARS.indexOf(s[i]) * w;
    w = (w * 3) % 31;
  }
  return USCC_CHARS[(31 - (sum % 31)) % 31] === s[17];
}

// ---------------------------------------------------------------- views

// One line on how recent the published checkpoint is (docs/verify.md,
// "Freshness"): when the log last signed and a witness last cosigned, and
// any entries no checkpoint covers yet, which the reader should not trust.
function freshness(f) {
  if (!f) return '—';
  const at = (s) => new Date(Number(s) * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const parts = [t('overview.fresh.ckpt', { time: at(f.checkpoint_time) })];
  parts.push(f.witnessed_time === null ? t('overview.fresh.unwitnessed') : t('overview.fresh.witnessed', { time: at(f.witnessed_time), n: f.witnessed_by }));
  if (f.uncovered > 0) parts.push(t('overview.fresh.uncovered', { n: f.uncovered }));
  const warn = f.uncovered > 0 || f.witnessed_time === null;
  return h('span', { id: 'freshness', class: warn ? 'verdict fail' : undefined }, parts.join('; '));
}

async function viewOverview() {
  const [site, items, plans, tasks] = await Promise.all([
    load('data/site.json'), load('data/items.json'), load('data/plans.json'), load('data/tasks.json')]);
  const note = parseNote(site.checkpoint);
  const cp = parseCheckpoint(note.body);
  const key = parseVerifierKey(site.log_key);
  const sig = h('span.verdict', { id: 'cp-sig' }, t('loading'));
  openCheckpoint(site.checkpoint, key, { origin: site.origin }).then(() => {
    sig.className = 'verdict ok';
    sig.textContent = `✔ ${t('overview.cp.sig.ok')}`;
    sig.setAttribute('data-ok', 'true');
  }, (e) => {
    sig.className = 'verdict fail';
    sig.textContent = `✘ ${both('overview.cp.sig.bad')}: ${e.message}`;
    sig.setAttribute('data-ok', 'false');
  });
  const cosigs = note.signatures.filter((s) => s.ok && !(s.name === key.name && s.keyId === key.keyId));
  const hexId = (id) => id.toString(16).padStart(8, '0');
  const keyInput = h('input.filter', { id: 'witness-key', placeholder: 'witness.example/w1+xxxxxxxx+…' });
  const keyOut = h('div', { id: 'witness-result' });
  const verifyWitness = async () => {
    keyOut.replaceChildren();
    try {
      const r = await verifyCosignature(note, keyInput.value.trim());
      append(keyOut, h('span.verdict.ok', null, `✔ ${t('overview.cosigs.ok', { time: new Date(Number(r.time) * 1000).toISOString() })}`));
    } catch (e) {
      append(keyOut, h('span.verdict.fail', null, `✘ ${t('overview.cosigs.bad', { why: e.message })}`));
    }
  };
  // The witnesses the ledger registered are checked at once; pasting a
  // witness key obtained elsewhere is the stronger check.
  if (Array.isArray(site.witnesses) && site.witnesses.length > 0 && cosigs.length > 0) {
    keyInput.value = site.witnesses[0];
    verifyWitness();
  }
  const count = (a) => (Array.isArray(a) ? a.length : 0);
  show(
    h('h2', null, t('overview.h')),
    h('section.card', null, facts([
      [t('overview.origin'), h('span.mono', null, site.origin)],
      [t('overview.logkey'), h('span.mono', null, site.log_key)],
      [t('overview.written'), site.written],
      [t('overview.fresh'), freshness(site.freshness)],
    ])),
    h('section.card', { id: 'checkpoint' },
      h('h3', null, t('overview.cp.h')),
      facts([
        [t('overview.cp.size'), String(cp.size)],
        [t('overview.cp.root'), h('span.mono', { id: 'cp-root' }, note.body.split('\n')[2])],
        [t('overview.cp.sig'), sig],
      ]),
      h('pre', null, site.checkpoint)),
    h('section.card', { id: 'cosignatures' },
      h('h3', null, t('overview.cosigs.h')),
      cosigs.length === 0 ? h('p.muted', null, t('overview.cosigs.none'))
        : [h('ul', null, cosigs.map((s) => h('li', null, t('overview.cosig', { name: s.name, id: hexId(s.keyId) })))),
          h('p.small', null, t('overview.cosigs.note')),
          h('p', null, keyInput, ' ', h('button.more', { type: 'button', onclick: verifyWitness }, t('overview.cosigs.verify'))),
          keyOut]),
    h('section.card', null,
      h('h3', null, t('overview.counts.h')),
      table(['', t('col.count')], [
        ['count.items', count(items)], ['count.plans', count(plans)], ['count.tasks', count(tasks)],
        ['count.draws', site.draws], ['count.results', site.results],
      ].map(([k, v]) => h('tr', null, td(t(k)), td(String(v), 'num'))), { id: 'counts' })),
    h('section.card', null,
      h('h3', null, t('overview.agencies.h')),
      table(['', t('col.name')], Object.entries(site.agencies || {}).map(([c, n]) => h('tr', null, td(h('span.mono', null, c)), td(n))))),
  );
}

async function viewItems() {
  const [site, items] = await Promise.all([load('data/site.json'), load('data/items.json')]);
  show(h('h2', null, t('items.h')), items.map((v) => h('section.card', null,
    h('h3', null, t('items.version', { agency: agencyName(site, v.agency), version: v.version, entry: v.entry, date: v.date })),
    v.general_ratio_cap ? h('p.muted', null, t('items.cap', { cap: v.general_ratio_cap })) : null,
    table([t('col.item'), t('col.basis'), t('col.body'), t('col.content'), t('col.method'), t('col.ratio'), t('col.frequency'), t('col.key')],
      (v.items || []).map((i) => h('tr', null, td(h('span.mono', null, i.id)), td(i.legal_basis), td(i.body), td(i.content),
        td(t(`method.${i.method}`)), td(i.ratio), td(i.frequency), td(i.key ? t('yes') : t('no'))))))));
}

async function viewPlans() {
  const [site, plans] = await Promise.all([load('data/site.json'), load('data/plans.json')]);
  // Group every record by plan; a record with a name is a version's text.
  const groups = new Map();
  for (const p of plans) {
    const k = `${p.agency}\u0000${p.plan_id}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(p);
  }
  const stepWord = (s) => { const x = t(`step.${s}`); return x === `step.${s}` ? s : x; };
  show(h('h2', null, t('plans.h')), [...groups.values()].map((recs) => {
    // Each version's text as last submitted (a returned version is resubmitted).
    const byVersion = new Map();
    for (const r of recs) if (r.name !== undefined) byVersion.set(r.version, r);
    const texts = [...byVersion.values()];
    const head = texts[texts.length - 1] || recs[0];
    return h('section.card', { 'data-plan': head.plan_id },
      h('h3', null, t('plans.plan', { name: head.name || head.plan_id, agency: agencyName(site, head.agency), plan_id: head.plan_id, year: head.year || '' })),
      table([t('col.version'), t('col.step'), t('col.date'), t('col.entry')],
        recs.map((r) => h('tr', null, td(String(r.version), 'num'), td(stepWord(r.step)), td(r.date), td(String(r.entry), 'num')))),
      texts.map((v) => h('div', null,
        h('p.muted.small', null, `${t('col.version')} ${v.version}`),
        facts([
          [t('col.scope'), v.scope], [t('col.filter'), h('span.mono', null, v.scope_filter)], [t('col.timing'), v.timing],
          [t('col.items'), (v.items || []).map((i) => `${i.item} ${i.ratio} ${i.frequency}`).join('；')],
        ]))));
  }));
}

// A task's draws in words: each with its day and kind, a substitution or
// redraw with the draw it replaces and why (R6).
function taskDrawsCell(v) {
  if (!v || !(v.draws || []).length) return '—';
  return (v.draws || []).map((d) => `${d.date} #${d.seq} ${t(`kind.${d.kind}`)}`
    + (d.replaces ? ` ← #${d.replaces}` : '') + (d.reason ? ` (${d.reason})` : '')
    + (d.refused ? ` ${t('kind.refused')}` : '')).join('；');
}

async function viewTasks() {
  const [site, tasks, perTask] = await Promise.all([load('data/site.json'), load('data/tasks.json'),
    load('data/taskdraws.json').catch(() => [])]);
  const of = (k) => perTask.find((v) => v.agency === k.agency && v.task === k.task_id);
  show(h('h2', null, t('tasks.h')), table(
    [t('col.task'), t('col.name'), t('col.agency'), t('col.plan'), t('col.period'), t('col.type'), t('col.strata'), t('col.team'), t('col.joint'),
      t('col.taskdraws'), t('col.noresult')],
    tasks.map((k) => h('tr', null, td(h('span.mono', null, k.task_id)), td(k.name), td(agencyName(site, k.agency)),
      td(`${k.plan_id} v${k.plan_version}`), td(`${k.start_date} – ${k.end_date}`), td(k.type),
      td((k.strata || []).map((s) => `${s.name} ${s.ratio}`).join('，')), td(String(k.team_size), 'num'),
      td(k.joint ? (k.members || []).map((m) => agencyName(site, m)).join('，') : '—'),
      td(taskDrawsCell(of(k))),
      td(of(k) && of(k).no_result.length ? `${of(k).no_result.length}: ${of(k).no_result.slice(0, 5).join('，')}`
        + (of(k).no_result.length > 5 ? '…' : '') : '0'))),
    { id: 'tasks' }));
}

async function viewDraws() {
  const [site, draws, abandoned] = await Promise.all([load('data/site.json'), load('data/draws.json'),
    load('data/abandoned.json').catch(() => [])]);
  const sum = (d, f) => (d.strata || []).reduce((a, s) => a + (s[f] || 0), 0);
  show(h('h2', null, t('draws.h')), h('p.muted', null, t('draws.intro')), table(
    [t('col.draw'), t('col.agency'), t('col.task'), t('col.request'), t('col.kind'), t('col.eligible'), t('col.drawn')],
    draws.map((d) => h('tr', null,
      td(h('a', { href: `#/draw/${d.request_entry}`, 'data-draw': d.request_entry }, t('draw.h', { n: d.request_entry }))),
      td(agencyName(site, d.agency)), td(h('span.mono', null, d.task)), td(h('span.mono', null, d.request_id)),
      td(d.substitution ? t('draw.substitution') : d.recheck ? t('draw.recheck') : t('draw.regular')),
      td(String(sum(d, 'eligible')), 'num'), td(String(sum(d, 'drawn')), 'num'))), { id: 'draws' }),
    abandonedTable(site, abandoned));
}

// Commitments not revealed by their deadline, with who failed (R6): a
// withheld reveal is visible, and blamed on the log operator when the
// ledger shows the beacon value was out.
function abandonedTable(site, abandoned) {
  return h('section', { id: 'abandoned' }, h('h3', null, t('abandoned.h')), h('p.muted', null, t('abandoned.intro')),
    abandoned.length === 0 ? h('p', { 'data-abandoned': 'none' }, t('abandoned.none')) : table(
      [t('col.draw'), t('col.agency'), t('col.task'), t('col.request'), t('col.commit'), t('col.failed'), t('col.evidence'), t('col.redraw')],
      abandoned.map((a) => h('tr', { 'data-abandoned': a.request_entry, 'data-failed': a.failed },
        td(t('draw.h', { n: a.request_entry })), td(agencyName(site, a.agency)), td(h('span.mono', null, a.task)),
        td(h('span.mono', null, a.request_id)), td(String(a.commit_entry), 'num'),
        td(t(a.failed === 'log-operator' ? 'abandoned.operator' : 'abandoned.beacon')), td(a.evidence),
        td((a.redraws || []).map((n) => t('draw.h', { n })).join('，') || '—')))));
}

// The verdict list of a checked draw, and a banner saying in both languages
// which check failed.
function stepList(checked) {
  return h('ol.steps', null, checked.steps.map((s) => h('li', { 'data-step': s.id, 'data-ok': s.ok === null ? 'skip' : String(s.ok) },
    h(`span.verdict.${s.ok === true ? 'ok' : s.ok === false ? 'fail' : 'skip'}`, null,
      s.ok === true ? `✔ ${t('verdict.ok')}` : s.ok === false ? `✘ ${both('verdict.fail')}` : `– ${t('verdict.skip')}`),
    h('span', null, t(`step.${s.id}`)),
    s.detail ? h('span.detail.mono', null, s.detail) : null)));
}

function banner(checked) {
  if (checked.ok) return h('div.banner.ok', { 'data-check': 'ok' }, `✔ ${t('draw.check.ok')}`);
  const failed = checked.steps.filter((s) => s.ok === false);
  return h('div.banner.fail', { 'data-check': 'failed', role: 'alert' },
    `✘ ${both('draw.check.fail')}`,
    failed.map((s) => h('p', { 'data-failed-step': s.id }, `${both(`step.${s.id}`)}: ${s.detail}`)));
}

function limits() {
  return h('section.card', { id: 'limits' },
    h('h3', null, t('limits.h')),
    h('ol.limits', null, ['limits.1', 'limits.2', 'limits.3', 'limits.4'].map((k) => h('li', null, t(k)))),
    h('p', null, t('limits.not')));
}

const SHOW_FIRST = 100;

async function viewDraw(n) {
  if (!/^[0-9]+$/.test(n)) throw new Error(t('error.notfound', { route: `draw/${n}` }));
  const [site, draw] = await Promise.all([load('data/site.json'), load(`data/draw-${n}.json`)]);
  const status = h('div.banner.running', { 'data-check': 'running' }, t('draw.check.running'));
  const stepsBox = h('div', { id: 'steps' });
  const drawn = draw.drawn || [];
  const drawnRow = (p, i) => h('tr', null, td(String(i + 1), 'num'), td(h('span.mono', null, p.id)), td(p.stratum), td(String(p.slot), 'num'), td(h('span.mono', null, p.score || '')));
  const tbody = h('tbody', null, drawn.slice(0, SHOW_FIRST).map(drawnRow));
  const more = drawn.length > SHOW_FIRST ? h('button.more', {
    type: 'button', id: 'show-all',
    onclick: (ev) => { append(tbody, drawn.slice(SHOW_FIRST).map((p, i) => drawnRow(p, i + SHOW_FIRST))); ev.target.remove(); },
  }, t('draw.drawn.more', { n: drawn.length })) : null;
  const rules = new Map((draw.rules || []).map((r) => [r.stratum, r]));
  show(
    h('h2', null, t('draw.h', { n })),
    h('section.card', { id: 'check' }, h('h3', null, t('draw.check.h')), status, stepsBox),
    h('section.card', null, h('h3', null, t('draw.facts')), facts([
      [t('draw.agency'), agencyName(site, draw.agency)],
      [t('draw.task'), h('span.mono', null, draw.task)],
      [t('col.request'), h('span.mono', null, draw.request_id)],
      [t('draw.entries'), `${draw.request_entry} / ${draw.commit_entry} / ${draw.reveal_entry}`],
      [t('draw.commit_time'), draw.commit_time !== undefined ? chinaTime(draw.commit_time) : '—'],
      [t('draw.seed'), h('span.mono', null, draw.seed)],
      [t('draw.inputs_hash'), h('span.mono', null, draw.inputs_hash)],
      [t('draw.randomness'), h('span.mono', { id: 'randomness' }, draw.randomness)],
      [t('draw.rounding'), t(`rounding.${draw.rounding}`)],
      ...(draw.unavailable ? [[t('draw.unavailable'), unavailableText(draw)]] : []),
    ])),
    h('section.card', null, h('h3', null, t('draw.beacons.h')), table(
      [t('col.source'), t('col.round'), t('col.value'), t('col.document')],
      (draw.beacons || []).map((b) => h('tr', null, td(h('span.mono', null, b.source)), td(String(b.round), 'num'),
        td(h('span.mono', null, b.value)), td(b.document ? h('details', null, h('summary', null, t('col.document')), h('pre', null, b.document)) : '—'))))),
    h('section.card', null, h('h3', null, t('draw.strata.h')), table(
      [t('col.stratum'), t('col.rule'), t('col.eligible'), t('col.drawn'), t('col.cutoff_score'), t('col.cutoff_id')],
      (draw.strata || []).map((s) => h('tr', { 'data-stratum': s.name }, td(s.name), td(rules.has(s.name) ? ruleText(rules.get(s.name)) : '—'),
        td(String(s.eligible), 'num'), td(String(s.drawn), 'num'), td(h('span.mono', null, s.drawn ? s.cutoff_score : '—')),
        td(h('span.mono', null, s.drawn ? s.cutoff_id : '—')))), { id: 'strata' })),
    h('section.card', null, h('h3', null, t('draw.drawn.h')),
      h('table', { id: 'drawn' }, h('thead', null, h('tr', null, [t('col.pos'), t('col.id'), t('col.stratum'), t('col.slot'), t('col.score')].map((x) => h('th', null, x)))), tbody),
      more),
    (draw.object_exclusions || []).length ? h('section.card', null, h('h3', null, t('draw.excl.h')), table(
      [t('col.id'), t('col.reason')],
      draw.object_exclusions.map((x) => h('tr', null, td(h('span.mono', null, x.id)), td(reason(x.reason)))))) : null,
    limits(),
  );
  const started = performance.now();
  const checked = await checkDraw(draw, site);
  const ms = performance.now() - started;
  status.replaceWith(banner(checked));
  stepsBox.replaceChildren(stepList(checked));
  document.getElementById('check').setAttribute('data-check-ms', ms.toFixed(1));
  document.getElementById('check').setAttribute('data-check', checked.ok ? 'ok' : 'failed');
}

async function viewResults() {
  const results = await load('data/results.json');
  const cols = ['企业名称', '统一社会信用代码', '抽查计划编号', '抽查计划名称', '抽查任务编号', '抽查任务名称', '检查实施机关', '类型', '日期', '结果', '后续处理'];
  const cell = (v) => (Array.isArray(v) ? v.join('；') : v === undefined ? '' : String(v));
  const rows = results.map((r) => h('tr', { 'data-key': `${r['企业名称']} ${r['统一社会信用代码']}` }, cols.map((c) => td(cell(r[c])))));
  const filter = h('input.filter', {
    type: 'search', placeholder: t('results.filter'), 'aria-label': t('results.filter'),
    oninput: (ev) => {
      const q = ev.target.value.trim();
      for (const r of rows) r.hidden = q !== '' && !r.getAttribute('data-key').includes(q);
    },
  });
  show(h('h2', null, t('results.h')), h('p.muted', null, t('results.intro')), filter,
    table(cols.map((c) => t(`results.col.${c}`)), rows, { id: 'results' }));
}

// Each draw is checked once per page load, whichever view asks first.
const checks = new Map();
function checked(n, draw, site) {
  if (!checks.has(n)) checks.set(n, checkDraw(draw, site));
  return checks.get(n);
}

async function viewCheck(query) {
  const [site, draws] = await Promise.all([load('data/site.json'), load('data/draws.json')]);
  const id = (query.get('id') || '').trim().toUpperCase();
  const only = query.get('draw') || '';
  const input = h('input', { name: 'id', id: 'uscc', value: id, autocomplete: 'off', spellcheck: 'false', maxlength: '64' });
  const pick = h('select', { name: 'draw', id: 'pick-draw' },
    h('option', { value: '' }, t('check.alldraws')),
    draws.map((d) => h('option', { value: d.request_entry, selected: String(d.request_entry) === only ? 'selected' : null },
      `${t('draw.h', { n: d.request_entry })} · ${d.task}`)));
  const form = h('form.check', {
    id: 'check-form',
    onsubmit: (ev) => {
      ev.preventDefault();
      // A draw picked without a code: that draw's own page checks it whole.
      if (!input.value.trim() && pick.value) {
        location.hash = `#/draw/${pick.value}`;
        return;
      }
      const q = new URLSearchParams();
      if (input.value.trim()) q.set('id', input.value.trim().toUpperCase());
      if (pick.value) q.set('draw', pick.value);
      location.hash = `#/check?${q}`;
    },
  },
  h('label', null, t('check.id'), input), h('label', null, t('check.draw'), pick),
  h('button', { type: 'submit' }, t('check.go')));
  const out = h('div', { id: 'check-out', 'data-state': id ? 'running' : 'idle' });
  show(h('h2', null, t('check.h')), h('p', null, t('check.intro')), h('section.card', null, form), out, limits());
  if (!id) return;

  if (!validUscc(id)) append(out, h('p.banner.fail', { id: 'bad-id' }, t('check.badid', { id })));
  append(out, h('p.banner.running', { id: 'check-running' }, t('draw.check.running')));
  const chosen = draws.filter((d) => !only || String(d.request_entry) === only);
  const cards = [];
  for (const d of chosen) {
    const n = String(d.request_entry);
    let draw;
    try {
      draw = await load(`data/draw-${n}.json`);
    } catch (e) {
      cards.push(h('section.card', { 'data-draw': n, 'data-ok': 'false' }, h('div.banner.fail', null, t('error.load', { file: e.path, why: e.why }))));
      continue;
    }
    // Only draws whose pool holds the code are checked, unless the pool
    // itself does not decode: that is a failure to show, not a reason to
    // stay silent.
    let inPool = true;
    try {
      inPool = decodeObjectPool(base64Decode(draw.objects, 'objects')).find(id) >= 0;
    } catch {
      inPool = true;
    }
    if (!inPool) continue;
    const c = await checked(n, draw, site);
    cards.push(entityCard(n, d, site, draw, c, id));
  }
  out.querySelector('#check-running').remove();
  if (cards.length === 0) append(out, h('p.banner.running', { id: 'not-in-any' }, t('check.none', { id })));
  append(out, cards);
  out.setAttribute('data-state', 'done');
}

function entityCard(n, d, site, draw, c, id) {
  const card = h('section.card', { 'data-draw': n, 'data-ok': String(c.ok) },
    h('h3', null, h('a', { href: `#/draw/${n}` }, t('check.in', { n, agency: agencyName(site, d.agency), task: d.task }))));
  let e = null, err = '';
  try {
    e = checkEntityIn(draw, c, id);
  } catch (x) {
    err = x.message;
  }
  if (e && e.inPool) {
    card.setAttribute('data-drawn', String(e.drawn));
    card.setAttribute('data-score', e.scoreHex);
    card.setAttribute('data-cutoff', e.cutoff ? e.cutoff.scoreHex : '');
    card.setAttribute('data-excluded', e.excluded ? e.excluded.word || String(e.excluded.reason) : '');
    const cls = e.excluded ? 'excluded' : e.drawn ? 'drawn' : 'notdrawn';
    const word = e.excluded ? t('check.excluded', { reason: reason(e.excluded.word || e.excluded.reason) })
      : e.k === 0 ? t('check.k0') : e.drawn ? t('check.drawn') : t('check.notdrawn');
    append(card,
      h(`p.answer.${cls}`, { 'data-answer': cls }, word),
      facts([
        [t('check.stratum'), e.stratum],
        [t('check.score'), h('span.mono', null, e.scoreHex)],
        [t('check.cutoff'), h('span.mono', null, e.cutoff ? `${e.cutoff.scoreHex} (${e.cutoff.id})` : '—')],
        e.visit ? ['', t('check.visit', { pos: e.visit.position + 1, slot: (draw.drawn[e.visit.position] || {}).slot })] : null,
      ]),
      h('p.muted.small', null, t('check.rule')));
    if (!e.agrees) {
      card.setAttribute('data-ok', 'false');
      append(card, h('div.banner.fail', { 'data-check': 'failed', role: 'alert' }, `✘ ${both('draw.check.fail')}`,
        h('p', { 'data-failed-step': 'entity' }, both('check.agree.bad', { why: e.disagreement }))));
    }
  } else if (err) {
    append(card, h('p.banner.fail', null, err));
  }
  append(card, banner(c), h('details', { open: c.ok ? null : 'open' }, h('summary', null, t('check.steps')), stepList(c)));
  return card;
}

async function viewFairness() {
  const [draws, checksData] = await Promise.all([load('data/draws.json'), load('data/checks.json')]);
  const parts = [h('h2', null, t('fair.h')), h('p.muted', null, t('fair.intro'))];
  if (draws.length === 0) parts.push(h('p', null, t('fair.none')));
  const files = await Promise.all(draws.map((d) => load(`data/draw-${d.request_entry}.json`).catch(() => null)));
  files.forEach((draw, i) => {
    if (!draw) return;
    const n = draws[i].request_entry;
    const rules = new Map((draw.rules || []).map((r) => [r.stratum, r]));
    const ratioOf = (r) => (r && r.kind === 'ratio' && r.den ? r.num / r.den : null);
    const strataRows = (draw.strata || []).map((s) => ({ label: s.name, drawn: s.drawn, eligible: s.eligible, ratio: ratioOf(rules.get(s.name)) }));
    // A district mixes strata: its reference is the task's ratio when every
    // stratum has the same one.
    const ratios = [...new Set((draw.rules || []).map((r) => ratioOf(r)))];
    const one = ratios.length === 1 ? ratios[0] : null;
    const distRows = (draw.districts || []).map((x) => ({ label: x.district, drawn: x.drawn, eligible: x.eligible, ratio: one }));
    parts.push(h('section.card', { 'data-draw': n },
      h('h3', null, h('a', { href: `#/draw/${n}` }, t('draw.h', { n })), ` · ${draw.task}`),
      shareChart(t('fair.strata', { n }), strataRows, t('fair.ratio')),
      distRows.length ? shareChart(t('fair.districts', { n }), distRows, t('fair.ratio')) : null));
  });
  for (const [year, counts] of Object.entries(checksData || {})) {
    parts.push(h('section.card', { 'data-year': year }, checksChart(t('fair.checks', { year }), counts, t('fair.checks.x'), t('fair.checks.y'))));
  }
  show(parts);
}

async function viewDownloads() {
  const site = await load('data/site.json');
  const link = (href, key) => h('li', null, h('a', { href, download: '' }, t(key)), ' ', h('span.mono.muted', null, href));
  show(h('h2', null, t('dl.h')),
    h('section.card', null, h('ul', { id: 'downloads' },
      link('downloads/results.csv', 'dl.results.csv'),
      link('downloads/results.json', 'dl.results.json'),
      link('downloads/checkpoint.txt', 'dl.checkpoint'),
      link('downloads/log.vkey', 'dl.logkey'))),
    h('section.card', null, h('h3', null, t('dl.logkey')), h('pre', null, site.log_key),
      h('h3', null, t('dl.checkpoint')), h('pre', null, site.checkpoint)),
    h('p.muted', null, t('dl.note')));
}

// ---------------------------------------------------------------- routing

const ROUTES = {
  overview: viewOverview,
  items: viewItems,
  plans: viewPlans,
  tasks: viewTasks,
  draws: viewDraws,
  draw: viewDraw,
  results: viewResults,
  check: viewCheck,
  fairness: viewFairness,
  downloads: viewDownloads,
};

function parseHash() {
  const raw = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  const q = raw.indexOf('?');
  const path = (q < 0 ? raw : raw.slice(0, q)).split('/').filter(Boolean);
  return { name: path[0] || 'overview', arg: path[1] || '', query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

let generation = 0;

async function route() {
  const me = ++generation;
  const r = parseHash();
  chrome(r.name);
  show(h('p.muted', { id: 'loading' }, t('loading')));
  document.body.setAttribute('data-ready', 'false');
  try {
    const view = ROUTES[r.name];
    if (!view) throw new Error(t('error.notfound', { route: r.name }));
    await (r.name === 'check' ? view(r.query) : view(r.arg));
  } catch (e) {
    if (me !== generation) return;
    const msg = e instanceof LoadError ? t('error.load', { file: e.path, why: e.why }) : e.message;
    show(h('div.banner.fail', { id: 'error', role: 'alert' }, msg));
  }
  if (me === generation) document.body.setAttribute('data-ready', 'true');
}

// The page's fixed text in the current language.
function chrome(active) {
  document.documentElement.lang = getLang();
  document.title = t('site.title');
  document.getElementById('site-title').textContent = t('site.title');
  document.getElementById('site-tagline').textContent = t('site.tagline');
  const b = document.getElementById('lang');
  b.textContent = t('lang.switch');
  b.setAttribute('lang', getLang() === 'en' ? 'zh-CN' : 'en');
  for (const a of document.querySelectorAll('#nav a')) {
    a.textContent = t(a.getAttribute('data-i18n'));
    a.classList.toggle('active', a.getAttribute('data-route') === (active === 'draw' ? 'draws' : active));
  }
}

function start() {
  document.getElementById('lang').addEventListener('click', () => {
    setLang(getLang() === 'en' ? 'zh-CN' : 'en');
    route();
  });
  window.addEventListener('hashchange', route);
  route();
}

// STEPS is the check's step order; every step has words in both languages.
export { STEPS };

if (typeof document !== 'undefined') start();
