// The portal's check of one draw from its public file (data/draw-N.json,
// docs/portal.md section 3), step by step, with the modules written from the
// specifications: js/draw.js (docs/draw-spec.md), js/merkle.js (RFC 9162)
// and js/note.js (C2SP signed notes). Nothing published is trusted: every
// value the page shows as "recomputed" comes out of these steps, and each
// published value is compared with it.
//
// What is here and not in those modules: the entry format of docs/ledger.md
// section 1 (the commitment entry's bytes), the DrawCommit protobuf of
// proto/draw.proto, the comparisons one step at a time (so a page can name
// the step that failed rather than the first exception), and the view of the
// published lists that draw.js's checkEntity takes.

import * as D from './draw.js';
import { sha256 } from './sha256.js';
import { leafHash, verifyInclusion, base64Decode } from './merkle.js';
import { parseVerifierKey, openCheckpoint } from './note.js';

export const ENTRY_DRAW_COMMIT = 11;
const MAX_PAYLOAD = 16 * 1024 * 1024;
// Header (98), payload length (4) and log signature (64): docs/ledger.md section 1.
const FIXED = 166;

export class CheckError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CheckError';
  }
}
const fail = (m) => { throw new CheckError(m); };

// ---------------------------------------------------------------- entries (docs/ledger.md section 1)

function u64At(b, o) {
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(b[o + i]);
  return v;
}

// Parses an entry's bytes (format SJE2): {seq, prev, time (BigInt, µs,
// signed), type, signed, actor, counter (BigInt), agency, payload, logSig}.
// Refuses anything that is not exactly the format: wrong magic, flags,
// lengths, or a byte after the end. The log signature that ends every entry
// is not checked here: the checkpoint that includes the entry is signed by
// the same key and covers its bytes.
export function parseEntry(b) {
  if (!(b instanceof Uint8Array)) fail('entry: not bytes');
  if (b.length < FIXED) fail(`entry: ${b.length} bytes, shorter than any entry (${FIXED})`);
  if (b[0] !== 0x53 || b[1] !== 0x4a || b[2] !== 0x45 || b[3] !== 0x32) fail('entry: magic is not SJE2');
  const seq = u64At(b, 4);
  const prev = b.slice(12, 44);
  const time = BigInt.asIntN(64, u64At(b, 44));
  const type = ((b[52] << 24) >>> 0) + (b[53] << 16) + (b[54] << 8) + b[55];
  const flags = b[56];
  if (flags & ~1) fail(`entry: flags 0x${flags.toString(16)} has a bit other than bit 0`);
  const actor = b.slice(57, 89);
  const counter = u64At(b, 89);
  const zeroActor = actor.every((x) => x === 0);
  if ((flags & 1) && (zeroActor || counter === 0n)) fail('entry: signed, with an all-zero actor key or no request counter');
  if (!(flags & 1) && (!zeroActor || counter !== 0n)) fail('entry: unsigned, with an actor key or a request counter');
  const A = b[97];
  if (A > 64) fail(`entry: agency code of ${A} bytes (at most 64)`);
  if (b.length < FIXED + A) fail('entry: ends inside the agency code');
  for (let i = 0; i < A; i++) if (b[98 + i] < 0x20 || b[98 + i] === 0x7f) fail('entry: control byte in the agency code');
  const agency = new TextDecoder().decode(b.subarray(98, 98 + A));
  const o = 98 + A;
  const P = ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
  if (P > MAX_PAYLOAD) fail(`entry: payload of ${P} bytes (at most 16 MiB)`);
  const want = FIXED + A + P + ((flags & 1) ? 64 : 0);
  if (b.length !== want) fail(`entry: ${b.length} bytes where its lengths say ${want}`);
  return {
    seq, prev, time, type, signed: (flags & 1) === 1, actor, counter, agency,
    payload: b.slice(o + 4, o + 4 + P), logSig: b.slice(b.length - 64),
  };
}

// ---------------------------------------------------------------- protobuf (proto/draw.proto: DrawCommit)

function varint(b, p) {
  let v = 0n, shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (p.i >= b.length) fail('protobuf: a varint runs past the end');
    const c = b[p.i++];
    v |= BigInt(c & 0x7f) << shift;
    if (!(c & 0x80)) return BigInt.asUintN(64, v);
    shift += 7n;
  }
  return fail('protobuf: a varint longer than 10 bytes');
}

// DrawCommit {1: request_seq (varint), 2: commitment (bytes)}. Unknown
// fields of a valid wire type are skipped, as protobuf readers do; a field
// given twice keeps its last value, as protobuf says.
export function parseDrawCommit(payload) {
  const p = { i: 0 };
  let requestSeq = null, commitment = null;
  while (p.i < payload.length) {
    const key = varint(payload, p);
    const field = key >> 3n, wire = Number(key & 7n);
    if (field === 0n) fail('protobuf: field number 0');
    if (wire === 0) {
      const v = varint(payload, p);
      if (field === 1n) requestSeq = v;
    } else if (wire === 2) {
      const n = varint(payload, p);
      if (n > BigInt(payload.length - p.i)) fail('protobuf: a length runs past the end');
      const v = payload.slice(p.i, p.i + Number(n));
      p.i += Number(n);
      if (field === 2n) commitment = v;
      else if (field === 1n) fail('protobuf: request_seq is not a varint');
    } else if (wire === 1) {
      p.i += 8;
    } else if (wire === 5) {
      p.i += 4;
    } else {
      fail(`protobuf: wire type ${wire} is not used by suiji`);
    }
    if (p.i > payload.length) fail('protobuf: a field runs past the end');
  }
  if (requestSeq === null) fail('DrawCommit: no request_seq (field 1)');
  if (commitment === null || commitment.length !== 32) fail('DrawCommit: the commitment (field 2) is not 32 bytes');
  return { requestSeq, commitment };
}

// ---------------------------------------------------------------- manual public values (docs/beacon.md section 6)

const MANUAL_MAX_JSON = 16384, MANUAL_MAX_SOURCES = 16, MANUAL_MAX_VALUES = 64, MANUAL_MAX_VALUE = 64;

function canonNumeric(v) {
  const m = /^([0-9]+)(?:\.([0-9]+))?$/.exec(v);
  if (!m) return null;
  const int = m[1].replace(/^0+(?=.)/, '');
  const frac = (m[2] || '').replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}

function canonText(v) {
  let o = '';
  for (const ch of v) {
    const c = ch.codePointAt(0);
    if (c < 0x20 || c > 0x7e) return null;
    if (/[a-z]/.test(ch)) o += ch.toUpperCase();
    else if (/[A-Z0-9]/.test(ch)) o += ch;
  }
  return o || null;
}

// Numeric order of canonical decimals: a longer integer part is larger,
// then digit by digit, then the fractions as digit strings.
function cmpNumeric(a, b) {
  const [ia, fa = ''] = a.split('.'), [ib, fb = ''] = b.split('.');
  if (ia.length !== ib.length) return ia.length - ib.length;
  if (ia !== ib) return ia < ib ? -1 : 1;
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

// The RFC 3797 key string of a manual round's document and the time its
// values were drawn in public (seconds): {key, time}. Throws when the
// document is not one.
export function manualKeyString(text) {
  if (new TextEncoder().encode(text).length > MANUAL_MAX_JSON) fail(`public values: more than ${MANUAL_MAX_JSON} bytes`);
  const doc = JSON.parse(text);
  if (!doc || typeof doc !== 'object' || !Number.isSafeInteger(doc.time) || doc.time < 0) fail('public values: no "time" in whole seconds');
  const src = doc.sources;
  if (!Array.isArray(src) || src.length < 1 || src.length > MANUAL_MAX_SOURCES) fail(`public values: 1..${MANUAL_MAX_SOURCES} sources expected`);
  let key = '';
  src.forEach((s, i) => {
    if (!s || (s.kind !== 'numeric' && s.kind !== 'text')) fail(`public values: source ${i + 1}: kind is neither numeric nor text`);
    if (!Array.isArray(s.values) || s.values.length < 1 || s.values.length > MANUAL_MAX_VALUES) fail(`public values: source ${i + 1}: 1..${MANUAL_MAX_VALUES} values expected`);
    const vals = s.values.map((v, j) => {
      if (typeof v !== 'string' || new TextEncoder().encode(v).length > MANUAL_MAX_VALUE) fail(`public values: source ${i + 1}, value ${j + 1}: not a string of at most ${MANUAL_MAX_VALUE} bytes`);
      const c = s.kind === 'numeric' ? canonNumeric(v) : canonText(v);
      if (c === null) fail(`public values: source ${i + 1}, value ${j + 1}: ${JSON.stringify(v)} is not a ${s.kind} value`);
      return c;
    });
    vals.sort(s.kind === 'numeric' ? cmpNumeric : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
    key += vals.map((v) => `${v}.`).join('') + '/';
  });
  return { key, time: doc.time };
}

// ---------------------------------------------------------------- helpers

const hexOf = D.bytesToHex;
const u64hex = (v) => v.toString(16).padStart(16, '0');

function hex32(s, what) {
  if (typeof s !== 'string' || !/^[0-9a-f]{64}$/.test(s)) fail(`${what}: not 64 lowercase hex digits`);
  return D.hexToBytes(s, what);
}

function intOf(v, what) {
  if (!Number.isSafeInteger(v) || v < 0) fail(`${what}: not a non-negative integer`);
  return v;
}

// The rule of a stratum as selectObjects takes it: the public file writes a
// fixed count's k in "num" (as the inputs encode it, docs/draw-spec.md 4).
export function ruleOf(r) {
  if (r.kind === 'count') return { stratum: r.stratum, kind: 'count', count: r.num };
  return { stratum: r.stratum, kind: r.kind, num: r.num, den: r.den };
}

// ---------------------------------------------------------------- the steps

// Step ids, in the order the page shows them; portal's i18n names each one.
export const STEPS = [
  'logkey', 'checkpoint', 'entry', 'entryhash', 'inclusion', 'seed', 'randomness', 'beacons',
  'pool', 'exclusions', 'counts', 'cutoffs', 'drawn', 'slots',
];

// Runs every step over draw (the parsed data/draw-N.json) and site (the
// parsed data/site.json). Resolves to {ok, steps: [{id, ok, detail}], E, R,
// entry, commit, checkpoint, sel, pool}; ok is null for a step that could not
// run because an earlier one gave it nothing to work on. Never rejects: a
// failure is a step's verdict.
export async function checkDraw(draw, site, opts = {}) {
  const steps = [];
  const out = { steps, ok: true };
  const step = async (id, fn) => {
    const s = { id, ok: null, detail: '' };
    steps.push(s);
    try {
      const r = await fn();
      if (r === undefined || r === null) {
        s.ok = true;
      } else if (r.skip) {
        s.detail = r.skip;
      } else {
        s.ok = true;
        s.detail = r.detail || '';
      }
    } catch (e) {
      s.ok = false;
      s.detail = e && e.message ? e.message : String(e);
      out.ok = false;
    }
    return s.ok;
  };
  const skip = (why) => ({ skip: why });

  // 1. The log's key, as the site publishes it (downloads/log.vkey).
  let key = null;
  await step('logkey', () => {
    key = parseVerifierKey(site.log_key);
    return { detail: site.log_key };
  });

  // 2. The checkpoint the proof is against: the draw's own if it carries
  // one, else the site's; its log signature under that key, its origin.
  let cp = null;
  await step('checkpoint', async () => {
    if (!key) return skip('no log key');
    // Browsers give WebCrypto to secure contexts only (HTTPS, or this
    // machine): say so rather than fail on something else.
    if (!opts.subtle && typeof window !== 'undefined' && !(globalThis.crypto && globalThis.crypto.subtle)) {
      fail('this browser offers no WebCrypto here: the site must be served over HTTPS to verify signatures');
    }
    const text = typeof draw.checkpoint === 'string' ? draw.checkpoint : site.checkpoint;
    cp = await openCheckpoint(text, key, { origin: site.origin, subtle: opts.subtle });
    out.checkpoint = cp;
    return { detail: `${cp.origin} size ${cp.size}` };
  });

  // 3. The commitment entry's bytes: the format, its number, its time and
  // the request it names.
  let bytes = null, entry = null, commit = null;
  await step('entry', () => {
    bytes = base64Decode(draw.commit_entry_bytes, 'commit_entry_bytes');
    entry = parseEntry(bytes);
    out.entry = entry;
    if (entry.type !== ENTRY_DRAW_COMMIT) fail(`entry type ${entry.type}, not a draw commitment (${ENTRY_DRAW_COMMIT})`);
    if (entry.seq !== BigInt(intOf(draw.commit_entry, 'commit_entry'))) fail(`the entry's number is ${entry.seq}, the file says ${draw.commit_entry}`);
    if (draw.commit_time !== undefined && entry.time !== BigInt(draw.commit_time)) fail(`the entry's time is ${entry.time} µs, the file says ${draw.commit_time}`);
    commit = parseDrawCommit(entry.payload);
    out.commit = commit;
    if (commit.requestSeq !== BigInt(intOf(draw.request_entry, 'request_entry'))) fail(`the commitment names request ${commit.requestSeq}, the file says ${draw.request_entry}`);
    return { detail: `entry ${entry.seq}, ${new Date(Number(entry.time / 1000n)).toISOString()}, commitment ${hexOf(commit.commitment)}` };
  });

  // 4. E, the entry hash: the RFC 9162 leaf hash of those bytes.
  let E = null;
  await step('entryhash', () => {
    if (!bytes) return skip('no entry bytes');
    E = leafHash(bytes);
    out.E = E;
    if (draw.commit_entry_hash !== undefined && draw.commit_entry_hash !== hexOf(E)) fail(`the published entry hash ${draw.commit_entry_hash} is not the hash of the entry's bytes (${hexOf(E)})`);
    return { detail: hexOf(E) };
  });

  // 5. The entry is in the tree the checkpoint signs.
  await step('inclusion', () => {
    if (!E || !cp) return skip(!E ? 'no entry hash' : 'no verified checkpoint');
    const pr = draw.proof;
    if (!pr || !Array.isArray(pr.hashes)) {
      fail(BigInt(draw.commit_entry) >= cp.size
        ? `the checkpoint covers ${cp.size} entries, not entry ${draw.commit_entry}: the site was written without a newer checkpoint, so there is no proof`
        : 'the file has no inclusion proof');
    }
    if (BigInt(intOf(pr.index, 'proof index')) !== BigInt(draw.commit_entry)) fail(`the proof is for entry ${pr.index}, not ${draw.commit_entry}`);
    if (BigInt(intOf(pr.size, 'proof size')) !== cp.size) fail(`the proof is for a tree of ${pr.size}, the checkpoint's has ${cp.size}`);
    const hashes = pr.hashes.map((h, i) => base64Decode(h, `proof hash ${i}`));
    verifyInclusion(BigInt(pr.index), cp.size, E, hashes, cp.root);
    return { detail: `${hashes.length} hashes to the root of ${cp.size} entries` };
  });

  // 6. The revealed seed opens the commitment fixed in the entry.
  let seed = null;
  await step('seed', () => {
    seed = hex32(draw.seed, 'seed');
    if (!commit) return skip('no commitment');
    if (!D.checkSeed(seed, commit.commitment)) fail('the seed does not open the commitment');
    return { detail: draw.seed };
  });

  // 7. R from the seed, E, the inputs hash and the beacon values.
  let R = null;
  await step('randomness', () => {
    if (!seed || !E) return skip(!seed ? 'no seed' : 'no entry hash');
    const beacons = (draw.beacons || []).map((b, i) => ({
      source: b.source, round: BigInt(intOf(b.round, `beacon ${i + 1} round`)), value: D.hexToBytes(b.value, `beacon ${i + 1} value`),
    }));
    R = D.randomnessFromHash(seed, E, hex32(draw.inputs_hash, 'inputs_hash'), beacons);
    out.R = R;
    if (draw.randomness !== hexOf(R)) fail(`the published R ${draw.randomness} is not the one recomputed (${hexOf(R)})`);
    return { detail: hexOf(R) };
  });

  // 7b. Each round of manual public values (docs/beacon.md section 6): its
  // value is SHA-256 of the RFC 3797 key string of its numbers, and they
  // were drawn in public after the commitment. The signatures of drand and
  // suiji-beacon rounds need keys this site does not publish: suiji-verify
  // checks those.
  await step('beacons', () => {
    const parts = [];
    let unchecked = 0;
    (draw.beacons || []).forEach((b) => {
      const what = `${b.source} round ${b.round}`;
      let doc = null;
      try {
        doc = typeof b.document === 'string' ? JSON.parse(b.document) : null;
      } catch {
        doc = null;
      }
      if (!doc || !Array.isArray(doc.sources)) {
        unchecked++;
        parts.push(`${what}: not public values, its signature is checked by suiji-verify`);
        return;
      }
      const m = manualKeyString(b.document);
      const v = hexOf(sha256(new TextEncoder().encode(m.key)));
      if (v !== b.value) fail(`${what}: the value ${b.value} is not SHA-256 of the public values' key string ${m.key} (${v})`);
      if (entry && BigInt(m.time) * 1000000n <= entry.time) fail(`${what}: the values were drawn at ${m.time}, not after the commitment`);
      parts.push(`${what}: ${m.key}`);
    });
    if (unchecked === (draw.beacons || []).length) return skip(parts.join('; ') || 'no beacon');
    return { detail: parts.join('; ') };
  });

  // 8. The object pool (identifiers and strata only).
  let pool = null;
  await step('pool', () => {
    pool = D.decodeObjectPool(base64Decode(draw.objects, 'objects'));
    out.pool = pool;
    return { detail: `${pool.count} objects in ${pool.strata.length} strata` };
  });

  // 9. Every exclusion names an object of the pool.
  let excluded = null;
  await step('exclusions', () => {
    if (!pool) return skip('no pool');
    excluded = (draw.object_exclusions || []).map((x) => x.id);
    const seen = new Set();
    for (const id of excluded) {
      if (pool.find(id) < 0) fail(`the exclusion of ${id} names no object of the pool`);
      if (seen.has(id)) fail(`${id} is excluded twice`);
      seen.add(id);
    }
    return { detail: `${excluded.length}` };
  });

  // 10-13. The selection over the pool with the recomputed R, compared with
  // what the file publishes: the counts, the cutoffs, the drawn list.
  let sel = null;
  const selection = () => {
    if (sel) return sel;
    if (!R || !pool || !excluded) return null;
    sel = D.selectObjects({ R, objects: pool, excluded, rules: (draw.rules || []).map(ruleOf), rounding: draw.rounding });
    out.sel = sel;
    return sel;
  };
  const pubStrata = Array.isArray(draw.strata) ? draw.strata : [];
  await step('counts', () => {
    if (!pool || !excluded) return skip('no pool');
    // n and k without R: the eligible count per stratum and its rule.
    const rules = (draw.rules || []).map(ruleOf);
    if (rules.length !== pool.strata.length) fail(`${rules.length} rules for ${pool.strata.length} strata`);
    const ex = new Set(excluded.map((id) => pool.find(id)));
    const n = new Array(pool.strata.length).fill(0);
    for (let i = 0; i < pool.count; i++) if (!ex.has(i)) n[pool.stratum(i)]++;
    const rd = { ceil: D.ROUNDING.CEIL, floor: D.ROUNDING.FLOOR, 'half-up': D.ROUNDING.HALF_UP }[draw.rounding];
    if (!rd) fail(`rounding ${draw.rounding} is not ceil, floor or half-up`);
    if (pubStrata.length !== pool.strata.length) fail(`${pubStrata.length} strata published, the pool has ${pool.strata.length}`);
    const parts = [];
    pool.strata.forEach((name, s) => {
      const r = rules[s];
      if (r.stratum !== name) fail(`rule ${s} is for ${r.stratum}, the pool's stratum ${s} is ${name}`);
      const k = D.stratumCount({ kind: r.kind === 'count' ? D.RULE.COUNT : D.RULE.RATIO, num: r.num, den: r.den, count: r.count }, n[s], rd);
      const p = pubStrata[s];
      if (p.name !== name) fail(`published stratum ${s} is ${p.name}, the pool's is ${name}`);
      if (p.eligible !== n[s]) fail(`stratum ${name}: ${p.eligible} eligible published, ${n[s]} recomputed`);
      if (p.drawn !== k) fail(`stratum ${name}: ${p.drawn} drawn published, ${k} recomputed (${r.kind === 'count' ? `count ${r.count}` : `${draw.rounding}(${n[s]} × ${r.num}/${r.den})`})`);
      parts.push(`${name} ${k}/${n[s]}`);
    });
    return { detail: parts.join(', ') };
  });
  await step('cutoffs', () => {
    const sl = selection();
    if (!sl) return skip('no randomness or pool');
    sl.strata.forEach((g) => {
      const p = pubStrata.find((x) => x.name === g.name);
      if (!p) fail(`stratum ${g.name} is not published`);
      if (g.k === 0) {
        if (p.cutoff_id) fail(`stratum ${g.name} draws nothing but a cutoff ${p.cutoff_id} is published`);
        return;
      }
      if (p.cutoff_score !== u64hex(g.cutoffScore)) fail(`stratum ${g.name}: cutoff score ${p.cutoff_score} published, ${u64hex(g.cutoffScore)} recomputed`);
      if (p.cutoff_id !== g.cutoffId) fail(`stratum ${g.name}: cutoff ${p.cutoff_id} published, ${g.cutoffId} recomputed`);
    });
    return { detail: sl.strata.filter((g) => g.k > 0).map((g) => `${g.name} ${u64hex(g.cutoffScore)}`).join(', ') };
  });
  await step('drawn', () => {
    const sl = selection();
    if (!sl) return skip('no randomness or pool');
    const pub = Array.isArray(draw.drawn) ? draw.drawn : fail('no drawn list');
    if (pub.length !== sl.picks.length) fail(`${pub.length} drawn objects published, ${sl.picks.length} recomputed`);
    sl.picks.forEach((p, i) => {
      const w = pub[i];
      const name = sl.strata[p.stratum].name;
      if (w.id !== p.id) fail(`drawn object ${i + 1} in visit order: ${w.id} published, ${p.id} recomputed`);
      if (w.stratum !== name) fail(`${p.id}: published in stratum ${w.stratum}, recomputed ${name}`);
      if (w.score !== undefined && w.score !== u64hex(p.score)) fail(`${p.id}: score ${w.score} published, ${u64hex(p.score)} recomputed`);
    });
    return { detail: `${sl.picks.length}` };
  });
  // The slot size is not in the public file, so the slots are checked for
  // being those of some slot size: the first slot's length s, and object i in
  // slot floor(i / s).
  await step('slots', () => {
    const pub = Array.isArray(draw.drawn) ? draw.drawn : [];
    if (pub.length === 0) return { detail: '0' };
    let s = 0;
    while (s < pub.length && pub[s].slot === 0) s++;
    if (s === 0) fail(`the first object is in slot ${pub[0].slot}, not 0`);
    pub.forEach((w, i) => {
      if (w.slot !== Math.floor(i / s)) fail(`${w.id} (${i + 1} in visit order) is in slot ${w.slot}, slots of ${s} put it in ${Math.floor(i / s)}`);
    });
    return { detail: `${s}` };
  });
  return out;
}

// ---------------------------------------------------------------- one business (docs/draw-spec.md 5.7)

// The published lists as draw.js's checkEntity reads a result: strata with
// cutoffs, picks with scores, in visit order.
function publishedView(draw, pool, R) {
  const idx = new Map(pool.strata.map((n, i) => [n, i]));
  const strata = (draw.strata || []).map((s) => ({
    name: s.name, n: s.eligible, k: s.drawn,
    cutoffScore: s.drawn > 0 ? BigInt('0x' + s.cutoff_score) : 0n,
    cutoffId: s.drawn > 0 ? s.cutoff_id : undefined,
  }));
  const picks = (draw.drawn || []).map((p, i) => ({
    id: p.id, stratum: idx.has(p.stratum) ? idx.get(p.stratum) : -1,
    score: /^[0-9a-f]{16}$/.test(p.score || '') ? BigInt('0x' + p.score) : -1n, position: i,
  }));
  return { R, strata, picks, objects: pool, exclusions: draw.object_exclusions || [] };
}

// One business's own check in one checked draw (the result of checkDraw):
// {inPool, stratum, score, cutoff, excluded, drawn, why} recomputed over
// the pool, and the same answer read from the published cutoff and list,
// which must agree (agrees false, with why, when it does not).
export function checkEntityIn(draw, checked, id) {
  const pool = checked.pool;
  if (!pool) fail('the object pool does not decode');
  if (pool.find(id) < 0) return { id, inPool: false };
  if (!checked.sel) fail('the selection could not be recomputed');
  const mine = D.checkEntity({ ...checked.sel, exclusions: draw.object_exclusions || [] }, id);
  const res = { ...mine, agrees: true, disagreement: '' };
  try {
    const pub = D.checkEntity(publishedView(draw, pool, checked.R), id);
    if (pub.drawn !== mine.drawn) fail(`the published cutoff says ${pub.drawn ? 'drawn' : 'not drawn'}`);
    if ((pub.cutoff && pub.cutoff.scoreHex) !== (mine.cutoff && mine.cutoff.scoreHex)) fail(`the published cutoff of stratum ${mine.stratum} is not the recomputed one`);
  } catch (e) {
    res.agrees = false;
    res.disagreement = e.message;
  }
  return res;
}
