// Tests of the portal's JavaScript (portal/js): SHA-256 against FIPS 180-4
// known answers, the draw against every golden vector of tests/vectors/draw,
// the Merkle tree against RFC 9162 / CT known answers and the
// transparency-dev/merkle vectors (../shared/vectors/merkle, beside the
// project, when present), and signed notes against the published Go sumdb,
// sigsum and C2SP known answers. Each positive verification has a forgery
// twin that must fail.
//
// Plain Node (>= 18), no framework: one line per check; the last line is
// "N passed, N failed"; the exit status is 1 on any failure.
//
//   node tests/js/run.mjs            every check
//   node tests/js/run.mjs draw       only checks whose name holds "draw"

import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { webcrypto } from 'node:crypto';

import { Sha256, sha256 } from '../../portal/js/sha256.js';
import * as draw from '../../portal/js/draw.js';
import * as merkle from '../../portal/js/merkle.js';
import * as note from '../../portal/js/note.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FILTER = process.argv[2] || '';
// Node 18 keeps the global crypto behind a flag; pass node:crypto's.
const subtle = (globalThis.crypto && globalThis.crypto.subtle) || webcrypto.subtle;

let passed = 0, failed = 0, skipped = 0;
const enc = new TextEncoder();
const hex = draw.bytesToHex;
const unhex = (s) => draw.hexToBytes(s);

// Runs one check: fn returns nothing (pass) or throws (fail, with why).
async function check(name, fn) {
  if (FILTER && !name.includes(FILTER)) return;
  try {
    await fn();
    passed++;
    console.log(`ok    ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL  ${name}: ${e && e.message ? e.message : e}`);
  }
}
function skip(name, why) {
  if (FILTER && !name.includes(FILTER)) return;
  skipped++;
  console.log(`skip  ${name}: skipped (${why})`);
}
function eq(got, want, what) {
  if (got !== want) throw new Error(`${what}: got ${got}, want ${want}`);
}
function eqBytes(got, want, what) {
  if (hex(got) !== hex(want)) {
    const a = hex(got), b = hex(want);
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    throw new Error(`${what}: differs at byte ${i >> 1} (got ${got.length} bytes, want ${want.length})`);
  }
}
function eqJSON(got, want, what) {
  const a = JSON.stringify(got), b = JSON.stringify(want);
  if (a !== b) throw new Error(`${what}: got ${a}, want ${b}`);
}
// fn must throw; pred (optional) checks the error.
async function fails(fn, what, pred) {
  let err = null;
  try { await fn(); } catch (e) { err = e; }
  if (!err) throw new Error(`${what}: accepted, must be refused`);
  if (pred && !pred(err)) throw new Error(`${what}: refused for the wrong reason: ${err.code || ''} ${err.message}`);
  return err;
}

// ------------------------------------------------------------------ SHA-256

async function testSha256() {
  // FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf").
  const kat = [
    ['empty string', '', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['"abc"', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['448-bit message', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
    ['896-bit message', 'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
      'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1'],
  ];
  for (const [what, msg, want] of kat) {
    await check(`sha256: ${what}`, () => eq(hex(sha256(enc.encode(msg))), want, what));
    await check(`sha256: ${what}, one bit flipped, differs (twin)`, () => {
      const m = enc.encode(msg.length ? msg : '\x00');
      m[0] ^= 1;
      if (hex(sha256(m)) === want) throw new Error('a different message has the same digest');
    });
  }
  await check('sha256: one million "a", fed in pieces of 1000', () => {
    const s = new Sha256();
    const piece = new Uint8Array(1000).fill(0x61);
    for (let i = 0; i < 1000; i++) s.update(piece);
    eq(hex(s.final()), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0', 'digest');
  });
  await check('sha256: one million "a" in one update', () => {
    eq(hex(sha256(new Uint8Array(1000000).fill(0x61))), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0', 'digest');
  });
  await check('sha256: every split of 0..200 bytes into two updates equals one update', () => {
    const m = new Uint8Array(200).map((_, i) => (i * 37 + 11) & 255);
    for (let n = 0; n <= 200; n += 7) {
      const whole = hex(sha256(m.subarray(0, n)));
      for (let k = 0; k <= n; k++) {
        const s = new Sha256().update(m.subarray(0, k)).update(m.subarray(k, n));
        if (hex(s.final()) !== whole) throw new Error(`length ${n} split at ${k}`);
      }
    }
  });
  await check('sha256: a clone continues from the midstate without disturbing it', () => {
    const mid = new Sha256().update(new Uint8Array(64).fill(7));
    const a = mid.clone().update(enc.encode('x')).final();
    const b = mid.clone().update(enc.encode('y')).final();
    eq(hex(a), hex(sha256(new Uint8Array(64).fill(7), enc.encode('x'))), 'clone x');
    eq(hex(b), hex(sha256(new Uint8Array(64).fill(7), enc.encode('y'))), 'clone y');
  });
  await check('sha256: strings and updates after final are refused', async () => {
    await fails(() => sha256('abc'), 'a string');
    const s = new Sha256();
    s.final();
    await fails(() => s.update(new Uint8Array(1)), 'update after final');
  });
}

// ------------------------------------------------------------------ draw vectors

const KINDS = { object: 1, officer: 2, expert: 3 };
const ROUND = { ceil: 1, floor: 2, 'half-up': 3 };

// The vector's description, turned into the encoders' structures.
function build(v) {
  const objects = draw.encodeObjectPool({ strata: v.objects.strata, members: v.objects.members });
  const people = (p, kind) => draw.encodePeoplePool({ kind, tags: p.tags, agencies: p.agencies, members: p.members });
  const officers = people(v.officers, 2);
  const experts = people(v.experts, 3);
  const inputs = draw.encodeInputs({
    task: v.task,
    objectPoolHash: draw.decodeObjectPool(objects).hash,
    officerPoolHash: draw.decodePeoplePool(officers).hash,
    expertPoolHash: draw.decodePeoplePool(experts).hash,
    replaces: v.replaces ? { entryHash: unhex(v.replaces.entry_hash), reason: enc.encode(v.replaces.reason) } : null,
    rounding: ROUND[v.rounding],
    teamSize: v.team_size,
    slotSize: v.slot_size,
    repeatInSlot: v.officer_repeat_in_slot,
    teamAgencies: v.team_agencies || [],
    deadline: BigInt(v.deadline_us),
    beacons: v.beacons.map((b) => ({ source: b.source, round: BigInt(b.round) })),
    rules: v.rules.map((r) => ({
      stratum: r.stratum,
      ...(r.ratio ? { kind: 1, num: r.ratio[0], den: r.ratio[1] } : { kind: 2, count: r.count }),
      officerTags: r.officer_tags,
      experts: r.experts,
      expertTags: r.expert_tags,
    })),
    exclusions: v.exclusions.map((e) => ({ kind: KINDS[e.kind], id: e.id, reason: e.reason, note: enc.encode(e.note) })),
    conflicts: v.conflicts.map((c) => ({ kind: KINDS[c.kind], object: c.object, person: c.person })),
  });
  return {
    objects, officers, experts, inputs,
    seed: unhex(v.seed),
    entryHash: unhex(v.entry_hash),
    values: v.beacons.map((b) => unhex(b.value)),
  };
}

async function testDrawVector(file) {
  const v = JSON.parse(readFileSync(file, 'utf8'));
  const name = `draw ${v.name}`;
  const x = v.expected;
  let b;
  await check(`${name}: encodings built from the vector's fields`, () => { b = build(v); });
  if (!b) return;

  if (x.error) {
    await check(`${name}: refused with ${x.error}`, async () => {
      const e = await fails(() => draw.check(b.inputs, b.objects, b.officers, b.experts), 'the check', (err) => err instanceof draw.DrawError);
      eq(e.code, x.error, 'error code');
    });
    await check(`${name}: the derivation refuses it too`, async () => {
      await fails(() => draw.derive(b.inputs, b.objects, b.officers, b.experts, b.seed, b.entryHash, b.values), 'derive',
        (err) => err.code === x.error);
    });
    await check(`${name}: message (informative) is the C library's`, async () => {
      const e = await fails(() => draw.check(b.inputs, b.objects, b.officers, b.experts), 'the check');
      eq(e.message, x.message, 'message');
    });
    return;
  }

  for (const [key, bytes, dec] of [
    ['object_pool', b.objects, () => draw.decodeObjectPool(b.objects).hash],
    ['officer_pool', b.officers, () => draw.decodePeoplePool(b.officers).hash],
    ['expert_pool', b.experts, () => draw.decodePeoplePool(b.experts).hash],
    ['inputs', b.inputs, () => draw.decodeInputs(b.inputs).hash],
  ]) {
    await check(`${name}: ${key} bytes and hash`, () => {
      eqBytes(bytes, unhex(x[key].bytes), `${key} bytes`);
      eq(hex(dec()), x[key].hash, `${key} hash`);
    });
  }
  await check(`${name}: commitment opens with the seed`, () => {
    eq(hex(draw.commitment(b.seed)), x.commitment, 'commitment');
    if (!draw.checkSeed(b.seed, unhex(x.commitment))) throw new Error('checkSeed refused the seed');
  });
  await check(`${name}: a seed with one flipped byte does not open the commitment (twin)`, () => {
    const s = b.seed.slice();
    s[17] ^= 0x01;
    if (draw.checkSeed(s, unhex(x.commitment))) throw new Error('a forged seed opened the commitment');
  });
  await check(`${name}: R`, () => {
    eq(hex(draw.randomness(b.seed, b.entryHash, b.inputs, b.values)), x.R, 'R');
  });

  let d;
  const t0 = process.hrtime.bigint();
  await check(`${name}: derive`, () => { d = draw.derive(b.inputs, b.objects, b.officers, b.experts, b.seed, b.entryHash, b.values); });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!d) return;
  timings.push([v.name, ms, draw.decodeObjectPool(b.objects).count]);

  await check(`${name}: strata: n, k, cutoffs`, () => {
    eq(d.strata.length, x.strata.length, 'number of strata');
    x.strata.forEach((w, s) => {
      const g = d.strata[s];
      const got = { name: g.name, n: g.n, k: g.k };
      if (g.k > 0) { got.cutoff_score = g.cutoffScore.toString(16).padStart(16, '0'); got.cutoff_id = g.cutoffId; }
      eqJSON(got, w, `stratum ${s}`);
    });
  });
  await check(`${name}: picks in visit order (id, stratum, score, order, slot, officers, experts${v.team_agencies ? ', parts' : ''})`, () => {
    eq(d.picks.length, x.picks.length, 'number of picks');
    x.picks.forEach((w, i) => {
      const p = d.picks[i];
      const got = {
        id: p.id, stratum: p.stratum,
        score: p.score.toString(16).padStart(16, '0'), order: p.order.toString(16).padStart(16, '0'),
        slot: p.slot, officers: p.officers,
      };
      if (w.parts) got.parts = p.parts;
      got.experts = p.experts;
      const want = { ...w };
      eqJSON(got, Object.fromEntries(Object.keys(got).map((k2) => [k2, want[k2]])), `pick ${i}`);
      if (!w.parts && p.parts) throw new Error(`pick ${i}: parts where the vector has none`);
    });
  });
  await check(`${name}: result bytes and hash`, () => {
    eqBytes(d.result, unhex(x.result.bytes), 'result bytes');
    eq(hex(d.resultHash), x.result.hash, 'result hash');
  });
  await check(`${name}: verifyDraw accepts the published result`, () => {
    draw.verifyDraw({ ...b, beaconValues: b.values, commitment: unhex(x.commitment), result: unhex(x.result.bytes) });
  });
  await check(`${name}: a result with one flipped byte is refused (twin)`, async () => {
    const r = unhex(x.result.bytes);
    r[r.length >> 1] ^= 0x40;
    await fails(() => draw.verifyDraw({ ...b, beaconValues: b.values, commitment: unhex(x.commitment), result: r }), 'forged result',
      (e) => e.code === 'EVERIFY');
  });
  await check(`${name}: a forged seed is refused by verifyDraw (twin)`, async () => {
    const s = b.seed.slice();
    s[0] ^= 0x80;
    await fails(() => draw.verifyDraw({ ...b, seed: s, beaconValues: b.values, commitment: unhex(x.commitment), result: unhex(x.result.bytes) }),
      'forged seed', (e) => e.code === 'EVERIFY');
  });
  await check(`${name}: a flipped beacon value changes R (twin)`, () => {
    const vals = b.values.map((z) => z.slice());
    vals[0][0] ^= 1;
    if (hex(draw.randomness(b.seed, b.entryHash, b.inputs, vals)) === x.R) throw new Error('R did not change');
  });
  await check(`${name}: the result decodes and re-encodes to its bytes`, () => {
    const r = draw.decodeResult(unhex(x.result.bytes), { slotSize: v.slot_size, teamSize: v.team_size });
    eqBytes(draw.encodeResult(r), unhex(x.result.bytes), 're-encoded');
    eq(r.picks.length, x.picks.length, 'picks');
    r.picks.forEach((p, i) => {
      eq(p.slot, x.picks[i].slot, `pick ${i} slot`);
      if (x.picks[i].parts) eqJSON(p.parts, x.picks[i].parts, `pick ${i} parts`);
    });
  });
  await check(`${name}: checkEntity agrees with the picks for every object of the pool`, () => {
    const op = draw.decodeObjectPool(b.objects);
    const picked = new Map(x.picks.map((p) => [p.id, p]));
    const excluded = new Map(v.exclusions.filter((e) => e.kind === 'object').map((e) => [e.id, e]));
    const published = { result: unhex(x.result.bytes), inputs: b.inputs, objects: b.objects };
    for (let i = 0; i < op.count; i++) {
      const id = op.id(i);
      const c = draw.checkEntity(published, id);
      const w = picked.get(id);
      eq(c.drawn, !!w, `${id} drawn`);
      eq(c.stratum, v.objects.strata[op.stratum(i)], `${id} stratum`);
      eq(!!c.excluded, excluded.has(id), `${id} excluded`);
      if (c.excluded) eq(c.excluded.reason, excluded.get(id).reason, `${id} exclusion reason`);
      const st = x.strata[op.stratum(i)];
      if (st.k > 0) {
        eq(c.cutoff.scoreHex, st.cutoff_score, `${id} cutoff score`);
        eq(c.cutoff.id, st.cutoff_id, `${id} cutoff id`);
      } else if (c.cutoff !== null) throw new Error(`${id}: a cutoff for a stratum with k = 0`);
      if (w) {
        eq(c.scoreHex, w.score, `${id} score`);
        eq(c.visit.slot, w.slot, `${id} slot`);
        eqJSON(c.visit.officers, w.officers, `${id} officers`);
      }
    }
    const none = draw.checkEntity(published, 'NOT-IN-THE-POOL');
    eq(none.inPool, false, 'an unknown id');
    // The same answers from the full derivation.
    if (x.picks.length) eq(draw.checkEntity(d, x.picks[0].id).drawn, true, 'from derive');
  });
  // What a public page has: no inputs, no officers; the inputs hash, the
  // beacon rounds, the pool, the objects' exclusions, rules and rounding.
  const pub = {
    seed: b.seed, commitment: unhex(x.commitment), entryHash: b.entryHash, inputsHash: unhex(x.inputs.hash),
    beacons: v.beacons.map((z, i) => ({ source: z.source, round: BigInt(z.round), value: b.values[i] })),
    objects: b.objects,
    excluded: v.exclusions.filter((e) => e.kind === 'object').map((e) => ({ id: e.id, reason: e.reason, note: e.note })),
    rules: v.rules.map((r) => (r.ratio ? { stratum: r.stratum, kind: 'ratio', num: r.ratio[0], den: r.ratio[1] } : { stratum: r.stratum, kind: 'count', count: r.count })),
    rounding: v.rounding, slotSize: v.slot_size,
    R: unhex(x.R),
    strata: x.strata.map((z) => ({ name: z.name, n: z.n, k: z.k, cutoffScore: z.cutoff_score, cutoffId: z.cutoff_id })),
    drawn: x.picks.map((p) => ({ id: p.id, stratum: p.stratum, score: p.score, slot: p.slot })),
  };
  let sel;
  await check(`${name}: the public selection (no officers) recomputes R, strata and drawn objects`, () => {
    sel = draw.verifySelection(pub);
    x.picks.forEach((w, i) => eq(sel.picks[i].order.toString(16).padStart(16, '0'), w.order, `pick ${i} order key`));
  });
  if (sel) {
    await check(`${name}: checkEntity from the public selection agrees with the picks`, () => {
      const op = draw.decodeObjectPool(b.objects);
      const picked = new Set(x.picks.map((p) => p.id));
      const withEx = { ...sel, exclusions: pub.excluded, slotSize: v.slot_size };
      for (let i = 0; i < op.count; i++) {
        const c = draw.checkEntity(withEx, op.id(i));
        eq(c.drawn, picked.has(op.id(i)), `${op.id(i)} drawn`);
        if (c.excluded && !pub.excluded.some((e) => e.id === op.id(i))) throw new Error(`${op.id(i)} excluded without an exclusion`);
        const w = pub.excluded.find((e) => e.id === op.id(i));
        if (w) eq(c.excluded.reason, w.reason, `${op.id(i)} reason`);
      }
      // The public files name reasons by word (docs/draw-request.md).
      const words = { ...sel, exclusions: pub.excluded.map((e) => ({ ...e, reason: draw.REASON_WORDS[e.reason - 1] })), slotSize: v.slot_size };
      for (const e of pub.excluded) {
        const c = draw.checkEntity(words, e.id);
        eq(c.excluded.reason, e.reason, `${e.id} reason from its word`);
        eq(c.excluded.word, draw.REASON_WORDS[e.reason - 1], `${e.id} word`);
      }
    });
  }
  await check(`${name}: a published R from a flipped beacon byte is refused (twin)`, async () => {
    const forged = { ...pub, beacons: pub.beacons.map((z, i) => (i ? z : { ...z, value: z.value.map((c, j) => (j ? c : c ^ 1)) })) };
    await fails(() => draw.verifySelection(forged), 'flipped beacon', (e) => e.code === 'EVERIFY' && /R/.test(e.message));
  });
  if (x.picks.length > 1) {
    await check(`${name}: a published visit order with two objects swapped is refused (twin)`, async () => {
      const d2 = pub.drawn.slice();
      [d2[0], d2[1]] = [d2[1], d2[0]];
      await fails(() => draw.verifySelection({ ...pub, drawn: d2 }), 'swapped', (e) => e.code === 'EVERIFY');
    });
  }
  if (x.strata.some((z) => z.k > 0)) {
    await check(`${name}: a published cutoff with another id is refused (twin)`, async () => {
      const s2 = pub.strata.map((z) => ({ ...z }));
      const at = s2.findIndex((z) => z.k > 0);
      s2[at].cutoffId += 'X';
      await fails(() => draw.verifySelection({ ...pub, strata: s2 }), 'cutoff', (e) => e.code === 'EVERIFY');
    });
  }
  if (x.picks.length) {
    await check(`${name}: checkEntity refuses a result that hides a drawn object (twin)`, async () => {
      const r = draw.decodeResult(unhex(x.result.bytes), { slotSize: v.slot_size, teamSize: v.team_size });
      const victim = r.picks[0].id;
      r.picks[0] = { ...r.picks[0], id: victim + 'X' };
      await fails(() => draw.checkEntity({ result: r, inputs: b.inputs, objects: b.objects }, victim), 'hidden pick',
        (e) => e.code === 'EVERIFY');
    });
  }
  await check(`${name}: the decoders refuse a truncated encoding and a trailing byte`, async () => {
    for (const [what, bytes, fn] of [
      ['object pool', b.objects, draw.decodeObjectPool],
      ['officer pool', b.officers, draw.decodePeoplePool],
      ['inputs', b.inputs, draw.decodeInputs],
      ['result', unhex(x.result.bytes), draw.decodeResult],
    ]) {
      await fails(() => fn(bytes.slice(0, bytes.length - 1)), `${what} cut short`, (e) => e.code === 'EINVAL');
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      await fails(() => fn(longer), `${what} with a trailing byte`, (e) => e.code === 'EINVAL');
    }
  });
}

// Refusals the vectors do not cover, built from the basic vector.
async function testDrawRefusals() {
  const v = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/draw/basic.json'), 'utf8'));
  const b = build(v);
  const mutate = (f) => { const w = JSON.parse(JSON.stringify(v)); f(w); return w; };
  await check('draw refusals: an object pool other than the inputs name', async () => {
    const other = build(mutate((w) => { w.objects.members.pop(); }));
    await fails(() => draw.check(b.inputs, other.objects, b.officers, b.experts), 'other pool', (e) => e.code === 'EINVAL' && /object pool/.test(e.message));
  });
  await check('draw refusals: an unsorted object pool names the offending object', async () => {
    const bad = b.objects.slice();
    const op = draw.decodeObjectPool(b.objects);
    // Swap the last characters of the first two ids ("O00000" and "O00001").
    bad[op.off[0] + 6] = 0x31;
    bad[op.off[1] + 6] = 0x30;
    await fails(() => draw.decodeObjectPool(bad), 'unsorted', (e) => /O00000.*not strictly after.*O00001/.test(e.message));
  });
  await check('draw refusals: an identifier with a space', async () => {
    await fails(() => draw.encodeObjectPool({ strata: ['A'], members: [['a b', 0]] }), 'space', (e) => e.code === 'EINVAL');
  });
  await check('draw refusals: wrong magic and version', async () => {
    const m = b.inputs.slice(); m[0] = 0x58;
    await fails(() => draw.decodeInputs(m), 'magic', (e) => /magic/.test(e.message));
    const ver = b.inputs.slice(); ver[4] = 2;
    await fails(() => draw.decodeInputs(ver), 'version', (e) => /version 2/.test(e.message));
  });
  await check('draw refusals: a flags byte with an unknown bit', async () => {
    const x = draw.decodeInputs(b.inputs);
    const at = 4 + 1 + 1 + x.task.length + 96 + 1 + 1 + 1 + 2;
    const m = b.inputs.slice(); m[at] = 0x04;
    await fails(() => draw.decodeInputs(m), 'flags', (e) => /flags/.test(e.message));
  });
  await check('draw refusals: team size 1 (R11)', async () => {
    await fails(() => build(mutate((w) => { w.team_size = 1; })), 'team of one', (e) => /R11/.test(e.message));
  });
  await check('draw refusals: a rule for a stratum the pool lacks', async () => {
    const w = mutate((z) => { z.rules[1].stratum = 'C'; });
    const bb = build(w);
    await fails(() => draw.check(bb.inputs, bb.objects, bb.officers, bb.experts), 'rule C', (e) => e.code === 'EINVAL' && /stratum B .*no rule/.test(e.message));
  });
  await check('draw refusals: an exclusion naming no object of the pool', async () => {
    const bb = build(mutate((z) => { z.exclusions = [{ kind: 'object', id: 'NOPE', reason: 1, note: '' }]; }));
    await fails(() => draw.check(bb.inputs, bb.objects, bb.officers, bb.experts), 'exclusion', (e) => e.code === 'EINVAL' && /NOPE/.test(e.message));
  });
  await check('draw refusals: reason 9 without a note', async () => {
    await fails(() => build(mutate((z) => { z.exclusions = [{ kind: 'object', id: 'O00001', reason: 9, note: '' }]; })), 'reason 9', (e) => /note/.test(e.message));
  });
  await check('draw refusals: a required tag no officer has', async () => {
    const bb = build(mutate((z) => { z.rules[0].officer_tags = ['food']; }));
    await fails(() => draw.check(bb.inputs, bb.objects, bb.officers, bb.experts), 'tag', (e) => /food/.test(e.message));
  });
  await check('draw refusals: a team agency the officer pool lacks (R14)', async () => {
    const bb = build(mutate((z) => { z.team_agencies = ['hb']; }));
    await fails(() => draw.check(bb.inputs, bb.objects, bb.officers, bb.experts), 'agency', (e) => e.code === 'EINVAL' && /hb/.test(e.message));
  });
  await check('draw refusals: the wrong number of beacon values', async () => {
    await fails(() => draw.randomness(b.seed, b.entryHash, b.inputs, []), 'no values', (e) => /beacon values/.test(e.message));
    await fails(() => draw.randomness(b.seed, b.entryHash, b.inputs, [new Uint8Array(1025)]), 'value too long', (e) => /1024/.test(e.message));
  });
  await check('draw: ratio rounding in BigInt at the caps (n = 10^8, 999999999/10^9)', () => {
    const r = { kind: 1, num: 999999999, den: 1000000000 };
    eq(draw.stratumCount(r, 100000000, 1), 99999999 + 1, 'ceil');
    eq(draw.stratumCount(r, 100000000, 2), 99999999, 'floor');
    eq(draw.stratumCount(r, 100000000, 3), 100000000, 'half-up');
    eq(draw.stratumCount({ kind: 1, num: 1, den: 2 }, 3, 3), 2, 'half-up of 1.5');
    eq(draw.stratumCount({ kind: 1, num: 1, den: 2 }, 3, 2), 1, 'floor of 1.5');
  });
}

// ------------------------------------------------------------------ Merkle

const H = (s) => unhex(s);

async function testMerkle() {
  const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f']
    .map((s) => merkle.leafHash(unhex(s)));
  // transparency-dev/merkle proof/verify_test.go (from CT's merkle_tree_test.cc).
  const roots = [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ];
  await check('merkle: the empty tree\'s root is SHA-256("")', () => {
    eq(hex(merkle.treeHash([])), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'root');
    if (hex(merkle.leafHash(new Uint8Array(0))) === hex(merkle.treeHash([]))) throw new Error('one empty entry hashes as the empty tree');
  });
  await check('merkle: CT test tree roots for sizes 1 to 8', () => {
    for (let n = 1; n <= 8; n++) eq(hex(merkle.treeHash(leaves.slice(0, n))), roots[n - 1], `size ${n}`);
  });
  await check('merkle: a changed entry changes the root (twin)', () => {
    const l = leaves.slice(); l[3] = merkle.leafHash(unhex('2022'));
    if (hex(merkle.treeHash(l)) === roots[7]) throw new Error('same root');
  });
  const inc = [
    [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
    [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
    [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
    [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  ];
  for (const [m, n, want] of inc) {
    await check(`merkle: CT inclusion proof of leaf ${m} in ${n}: generated, verified`, () => {
      const p = merkle.inclusionProof(m, leaves.slice(0, n));
      eqJSON(p.map(hex), want, 'proof');
      merkle.verifyInclusion(m, n, leaves[m], want.map(H), H(roots[n - 1]));
    });
    await check(`merkle: the same proof with a flipped bit fails (twin)`, async () => {
      const p = want.map(H); p[p.length - 1][5] ^= 0x20;
      await fails(() => merkle.verifyInclusion(m, n, leaves[m], p, H(roots[n - 1])), 'flipped', (e) => e.code === 'EVERIFY');
    });
  }
  const con = [
    [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
    [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
    [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
    [6, 7, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  ];
  for (const [m, n, want] of con) {
    await check(`merkle: CT consistency proof ${m} to ${n}: generated, verified`, () => {
      eqJSON(merkle.consistencyProof(m, leaves.slice(0, n)).map(hex), want, 'proof');
      merkle.verifyConsistency(m, n, H(roots[m - 1]), H(roots[n - 1]), want.map(H));
    });
    await check(`merkle: the same consistency proof with a flipped bit fails (twin)`, async () => {
      const p = want.map(H); p[0][31] ^= 0x01;
      await fails(() => merkle.verifyConsistency(m, n, H(roots[m - 1]), H(roots[n - 1]), p), 'flipped', (e) => e.code === 'EVERIFY');
    });
  }
  await check('merkle: RFC 9162 2.1.5 example of seven entries', () => {
    const d = [0, 1, 2, 3, 4, 5, 6].map((i) => merkle.leafHash(enc.encode(`d${i}`)));
    const [a, bb, c, dd, e, f, j] = d;
    const N = merkle.nodeHash;
    const g = N(a, bb), h = N(c, dd), i = N(e, f), k = N(g, h), l = N(i, j);
    const root = N(k, l);
    eq(hex(merkle.treeHash(d)), hex(root), 'root');
    const same = (got, want, what) => eqJSON(got.map(hex), want.map(hex), what);
    same(merkle.inclusionProof(0, d), [bb, h, l], 'd0');
    same(merkle.inclusionProof(3, d), [c, g, l], 'd3');
    same(merkle.inclusionProof(4, d), [f, j, k], 'd4');
    same(merkle.inclusionProof(6, d), [i, k], 'd6');
    same(merkle.consistencyProof(3, d), [c, dd, g, l], '3 to 7');
    same(merkle.consistencyProof(4, d), [l], '4 to 7');
    same(merkle.consistencyProof(6, d), [i, j, k], '6 to 7');
  });
  await check('merkle: every inclusion and consistency proof of trees up to 33 verifies', () => {
    const all = Array.from({ length: 33 }, (_, i) => merkle.leafHash(new Uint8Array([i])));
    for (let n = 1; n <= 33; n++) {
      const t = all.slice(0, n), r = merkle.treeHash(t);
      for (let m = 0; m < n; m++) merkle.verifyInclusion(m, n, t[m], merkle.inclusionProof(m, t), r);
      for (let m = 1; m <= n; m++) merkle.verifyConsistency(m, n, merkle.treeHash(all.slice(0, m)), r, merkle.consistencyProof(m, t));
    }
  });
  await check('merkle: malformed proofs are EINVAL (index >= size, wrong length, size1 = 0, size2 < size1)', async () => {
    const r = H(roots[7]);
    await fails(() => merkle.verifyInclusion(8, 8, leaves[0], [], r), 'index 8', (e) => e.code === 'EINVAL');
    await fails(() => merkle.verifyInclusion(0, 8, leaves[0], [r], r), 'short', (e) => e.code === 'EINVAL');
    await fails(() => merkle.verifyConsistency(0, 8, r, r, [r]), 'size1 0', (e) => e.code === 'EINVAL');
    await fails(() => merkle.verifyConsistency(8, 7, r, r, [r]), 'shrinking', (e) => e.code === 'EINVAL');
    await fails(() => merkle.verifyConsistency(8, 8, r, H(roots[6]), []), 'fork', (e) => e.code === 'EVERIFY');
  });

  // transparency-dev/merkle's vectors, beside the project when present.
  const base = join(ROOT, '..', 'shared', 'vectors', 'merkle');
  if (!existsSync(base)) {
    skip('merkle: transparency-dev/merkle inclusion vectors', '../shared/vectors/merkle is not present');
    skip('merkle: transparency-dev/merkle consistency vectors', '../shared/vectors/merkle is not present');
    return;
  }
  for (const kind of ['inclusion', 'consistency']) {
    const files = [];
    const walk = (d) => { for (const f of readdirSync(d).sort()) { const p = join(d, f); if (statSync(p).isDirectory()) walk(p); else if (f.endsWith('.json')) files.push(p); } };
    walk(join(base, kind));
    await check(`merkle: transparency-dev/merkle ${kind} vectors (${files.length}) decided as wantErr says`, () => {
      if (files.length === 0) throw new Error('no vector files');
      let bad = [];
      for (const f of files) {
        const text = readFileSync(f, 'utf8');
        const j = JSON.parse(text);
        // JSON numbers lose precision beyond 2^53 (leafIdx 2^64 - 1): read the digits.
        const big = (key) => BigInt(new RegExp(`"${key}"\\s*:\\s*([0-9]+)`).exec(text)[1]);
        const b64 = (s) => (s === null || s === undefined ? new Uint8Array(0) : Buffer.from(s, 'base64'));
        let ok;
        try {
          const proof = (j.proof || []).map((s) => new Uint8Array(b64(s)));
          if (kind === 'inclusion') merkle.verifyInclusion(big('leafIdx'), big('treeSize'), new Uint8Array(b64(j.leafHash)), proof, new Uint8Array(b64(j.root)));
          else merkle.verifyConsistency(big('size1'), big('size2'), new Uint8Array(b64(j.root1)), new Uint8Array(b64(j.root2)), proof);
          ok = true;
        } catch (e) {
          if (!(e instanceof merkle.MerkleError)) throw e;
          ok = false;
        }
        if (ok === j.wantErr) bad.push(`${f.slice(base.length + 1)} (${j.desc})`);
      }
      if (bad.length) throw new Error(`${bad.length} decided wrongly: ${bad.slice(0, 5).join('; ')}`);
    });
  }
}

// ------------------------------------------------------------------ notes

const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const NEUMANN = 'If you think cryptography is the answer to your problem,\nthen you don\'t know what your problem is.\n';
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const WITNESS_VKEY = 'example.org/witness+cacf2e50+BGbguFjkYqYJ5m/nE3DIFtiEb/ED1UmaIqf+w3/bxCSn';
const SIGSUM_BODY = 'example.org/log\n10\nHA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
const SIGSUM_COSIG = '— example.org/witness ys8uUAAAAAAAAATSftMzceM8zssdZ9jin9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9+Cg==\n';
const SUMDB_VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const SUMDB_BODY = 'go.sum database tree\n30055305\nmXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=\n';
const SUMDB_SIG = '— sum.golang.org Az3grpgEild5qw7+5dtV13Kf1C2Xurm8q4fhdxvcsDHnqNTaxL2AFjBY+2TyGKevucFcAAlWFJJYle3EJlDCrQ+y3A8=\n';
const SIGSUM_ORIGIN = 'sigsum.org/v1/tree/e796172b92befd62d9dc67e41c2f5bc9d3100a3023b20b1ca40288dd1c679e69';
const SIGSUM_VKEY = SIGSUM_ORIGIN + '+809da1a3+AWbguFjkYqYJ5m/nE3DIFtiEb/ED1UmaIqf+w3/bxCSn';
const SIGSUM_NOTE = SIGSUM_ORIGIN + '\n10\nHA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— ' + SIGSUM_ORIGIN +
  ' gJ2ho0n8F8olcerUF1FFdv235A/5as/coWrpLrtE7ovMeP5whgwouYExowG/lTznxu6OUGjjt5yJQ6bXtTcf718MqAQ=\n';

const flipSigLine = (line, at) => {
  // Flip one bit of the signature bytes (past the key ID), keeping canonical base64.
  const sp = line.lastIndexOf(' ');
  const raw = note.base64Decode(line.slice(sp + 1, -1));
  raw[at] ^= 0x01;
  return line.slice(0, sp + 1) + note.base64Encode(raw) + '\n';
};

async function testNotes() {
  const o = { subtle };
  await check('note: published verifier keys parse with their key IDs and types', () => {
    for (const [k, name, id, type] of [
      [PETER_VKEY, 'PeterNeumann', 0xc74f20a3, 1], [ENOCH_VKEY, 'EnochRoot', 0xaf0cfe78, 1],
      [SUMDB_VKEY, 'sum.golang.org', 0x033de0ae, 1],
      ['remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2', 'remora.n621.de', 0xda77ade7, 4],
      [WITNESS_VKEY, 'example.org/witness', 0xcacf2e50, 4],
    ]) {
      const p = note.parseVerifierKey(k);
      eq(p.name, name, 'name'); eq(p.keyId, id, `${name} key ID`); eq(p.type, type, `${name} type`);
    }
  });
  await check('note: mangled verifier keys are refused (upper-case hex, wrong ID, type, length, not a point)', async () => {
    await fails(() => note.parseVerifierKey('PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), 'upper hex');
    await fails(() => note.parseVerifierKey('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), 'wrong id', (e) => /key ID/.test(e.message));
    await fails(() => note.parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), 'type 0x65', (e) => /type/.test(e.message));
    await fails(() => note.parseVerifierKey(PETER_VKEY + '\n'), 'newline');
    await fails(() => note.parseVerifierKey(' ' + PETER_VKEY), 'space');
    // The identity point (y = 1) has small order.
    const id = new Uint8Array(32); id[0] = 1;
    const t = `bad.example+${note.keyId('bad.example', 1, id).toString(16).padStart(8, '0')}+${note.base64Encode(new Uint8Array([1, ...id]))}`;
    await fails(() => note.parseVerifierKey(t), 'small order', (e) => /prime-order/.test(e.message));
  });
  await check('note: the Go note package\'s signed note verifies under PeterNeumann\'s key', async () => {
    await note.verifyNote(NEUMANN + '\n' + PETER_SIG, PETER_VKEY, o);
  });
  await check('note: a body with one bit flipped fails to verify (twin)', async () => {
    const t = NEUMANN.replace('cryptography', 'cryptographz') + '\n' + PETER_SIG;
    await fails(() => note.verifyNote(t, PETER_VKEY, o), 'flipped body', (e) => e.code === 'EVERIFY');
  });
  await check('note: a signature with one bit flipped fails to verify (twin)', async () => {
    await fails(() => note.verifyNote(NEUMANN + '\n' + flipSigLine(PETER_SIG, 10), PETER_VKEY, o), 'flipped signature', (e) => e.code === 'EVERIFY');
  });
  await check('note: a note signed by two keys verifies under each, in either order', async () => {
    for (const t of [PETER_SIG + ENOCH_SIG, ENOCH_SIG + PETER_SIG]) {
      await note.verifyNote(NEUMANN + '\n' + t, PETER_VKEY, o);
      await note.verifyNote(NEUMANN + '\n' + t, ENOCH_VKEY, o);
    }
  });
  await check('note: a note signed only by another key is not signed by the log key (ENOENT)', async () => {
    await note.verifyNote(NEUMANN + '\n' + ENOCH_SIG, ENOCH_VKEY, o);
    await fails(() => note.verifyNote(NEUMANN + '\n' + ENOCH_SIG, PETER_VKEY, o), 'other key', (e) => e.code === 'ENOENT');
  });
  await check('note: malformed notes are refused, naming what was wrong', async () => {
    const cases = [
      [NEUMANN + PETER_SIG, /empty line/],
      [NEUMANN + '\n' + PETER_SIG.slice(0, -1), /newline/],
      [NEUMANN.replace('\n', '\r\n') + '\n' + PETER_SIG, /control character 0x0d/],
      [NEUMANN + '\n' + PETER_SIG.replace('— ', '- '), /em dash/],
      [NEUMANN + '\n' + '— PeterNeumann\n', /no space/],
    ];
    for (const [t, re] of cases) await fails(() => note.parseNote(t), re.source, (e) => re.test(e.message));
    await fails(() => note.parseNote(new Uint8Array([0x61, 0xc0, 0x80, 0x0a, 0x0a])), 'overlong UTF-8', (e) => /UTF-8/.test(e.message));
  });
  // c2sp.org/signed-note: lines by unknown keys are ignored, as in ledger/note.c
  // (tests/test_note_c2sp.c holds the same cases).
  const JUNK = [
    '—  x08go/ZJkuBS9UG/M=\n', '— Peter+Neumann ' + PETER_SIG.slice(15), '— EnochRoot ' + PETER_SIG.slice(15).replace('AM=', 'AN='),
    '— EnochRoot !!!!\n', '— w9.example AAAAAA==\n', '— w9.example AAAAAAA=\n', '— w9.example AAAAAAA=\n',
    '— PeterNeumann \n', '— PeterNeumann AAA=\n', '— big.example ' + note.base64Encode(new Uint8Array(404).fill(0x5a)) + '\n',
  ];
  await check('note: junk lines by unknown keys are ignored, around a good or a forged signature (twin)', async () => {
    for (const j of JUNK) {
      await note.verifyNote(NEUMANN + '\n' + j + PETER_SIG + j, PETER_VKEY, o);
      await fails(() => note.verifyNote(NEUMANN + '\n' + j + flipSigLine(PETER_SIG, 10) + j, PETER_VKEY, o), 'forged', (e) => e.code === 'EVERIFY');
      await fails(() => note.verifyNote(NEUMANN + '\n' + j, PETER_VKEY, o), 'junk only', (e) => e.code === 'ENOENT');
    }
    let big = NEUMANN + '\n';
    for (let i = 0; i <= 300; i++) big += `— k${i} AAAAAAA=\n`;
    await note.verifyNote(big + PETER_SIG, PETER_VKEY, o);
  });
  await check('note: a known key is strict: repeated, non-canonical or oversize lines by it fail', async () => {
    const B64 = PETER_SIG.slice(15, -4);
    const raw = new Uint8Array(404).fill(0x5a); raw.set([0xc7, 0x4f, 0x20, 0xa3]);
    for (const t of [PETER_SIG + PETER_SIG, PETER_SIG + flipSigLine(PETER_SIG, 10), '— PeterNeumann ' + B64 + 'N=\n',
      '— PeterNeumann ' + B64 + 'M\n', PETER_SIG + '— PeterNeumann ' + B64 + 'M==\n', '— PeterNeumann x08go/ZJ\n',
      '— PeterNeumann ' + note.base64Encode(raw) + '\n']) {
      await fails(() => note.verifyNote(NEUMANN + '\n' + t, PETER_VKEY, o), t, (e) => e.code === 'EVERIFY');
    }
    await fails(() => note.verifyCosignature(SIGSUM_BODY + '\n' + SIGSUM_COSIG + SIGSUM_COSIG, WITNESS_VKEY, o), 'twice', (e) => e.code === 'EVERIFY');
    const r = await note.verifyCosignature(SIGSUM_BODY + '\n' + '— w9.example AAAAAA==\n' + SIGSUM_COSIG, WITNESS_VKEY, o);
    eq(r.time, 1234n, 'time');
  });
  await check('note: sigsum\'s cosignature/v1 by example.org/witness at time 1234 verifies', async () => {
    const r = await note.verifyCosignature(SIGSUM_BODY + '\n' + SIGSUM_COSIG, WITNESS_VKEY, o);
    eq(r.time, 1234n, 'time');
  });
  await check('note: that cosignature with a flipped signature bit fails (twin)', async () => {
    await fails(() => note.verifyCosignature(SIGSUM_BODY + '\n' + flipSigLine(SIGSUM_COSIG, 20), WITNESS_VKEY, o), 'flipped', (e) => e.code === 'EVERIFY');
  });
  await check('note: that cosignature with another time fails (twin)', async () => {
    await fails(() => note.verifyCosignature(SIGSUM_BODY + '\n' + flipSigLine(SIGSUM_COSIG, 11), WITNESS_VKEY, o), 'time', (e) => e.code === 'EVERIFY');
  });
  await check('note: a cosignature key cannot verify a note signature, nor the reverse', async () => {
    await fails(() => note.verifyNote(SIGSUM_BODY + '\n' + SIGSUM_COSIG, WITNESS_VKEY, o), 'type 4 as note key', (e) => e.code === 'EINVAL');
    await fails(() => note.verifyCosignature(NEUMANN + '\n' + PETER_SIG, PETER_VKEY, o), 'type 1 as cosig key', (e) => e.code === 'EINVAL');
  });
  await check('checkpoint: sum.golang.org\'s published checkpoint verifies and parses', async () => {
    const cp = await note.openCheckpoint(SUMDB_BODY + '\n' + SUMDB_SIG, SUMDB_VKEY, { ...o, origin: 'go.sum database tree' });
    eq(cp.size, 30055305n, 'size');
    eq(note.base64Encode(cp.root), 'mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=', 'root');
  });
  await check('checkpoint: sum.golang.org\'s checkpoint with another size fails (twin)', async () => {
    await fails(() => note.openCheckpoint(SUMDB_BODY.replace('30055305', '30055306') + '\n' + SUMDB_SIG, SUMDB_VKEY, o), 'size', (e) => e.code === 'EVERIFY');
  });
  await check('checkpoint: sigsum\'s log checkpoint verifies under its key, with its origin', async () => {
    const cp = await note.openCheckpoint(SIGSUM_NOTE, SIGSUM_VKEY, { ...o, origin: SIGSUM_ORIGIN });
    eq(cp.size, 10n, 'size');
    await fails(() => note.openCheckpoint(SIGSUM_NOTE, SIGSUM_VKEY, { ...o, origin: 'another.example/log' }), 'origin', (e) => /origin/.test(e.message));
  });
  await check('checkpoint: malformed bodies are refused', async () => {
    const good = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    const cp = note.parseCheckpoint(good + 'ext line\n');
    eqJSON(cp.extensions, ['ext line'], 'extensions');
    for (const bad of [good.replace('20852163', '020852163'), good.replace('20852163', '18446744073709551616'),
      good.replace('2I=', '2J='), good.slice(0, -1), good + '\n', '\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n']) {
      await fails(() => note.parseCheckpoint(bad), JSON.stringify(bad));
    }
  });
  await check('proof text: the docs/proofs.md examples parse (inclusion of entry 13, consistency 5 to 21)', () => {
    const all = Array.from({ length: 21 }, (_, i) => merkle.leafHash(new Uint8Array([i])));
    const root = merkle.treeHash(all);
    const cpText = `example.com/suiji\n21\n${note.base64Encode(root)}\n\n— example.com/suiji CzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW+yBFao+02f4jSG2St9wBJktwlbo=\n`;
    const incText = 'c2sp.org/tlog-proof@v1\nindex 13\n' + merkle.inclusionProof(13, all).map(note.base64Encode).join('\n') + '\n\n' + cpText;
    const p = merkle.parseInclusionProofText(incText);
    eq(p.index, 13n, 'index');
    eq(note.base64Encode(p.proof[0]), '/iUeTdA03PWJyEeUEgyF1gFdZcp9miwuxzyey14z2Ds=', 'first hash as in docs/proofs.md');
    eq(note.base64Encode(root), '42EBATo4GDaLMo8imRYu94hZhS/1Agmro5xkSNZ26rM=', 'root as in docs/proofs.md');
    merkle.verifyInclusion(p.index, 21n, all[13], p.proof, root);
    const conText = 'suiji.consistency-proof@v1\nold 5\n' + merkle.consistencyProof(5, all).map(note.base64Encode).join('\n') + '\n\n' + cpText;
    const c = merkle.parseConsistencyProofText(conText);
    eq(note.base64Encode(c.proof[0]), 'TzUhLRL5rSA2SSyV8f55uvTse9m+89/6dXnyKT/1RqQ=', 'first consistency hash as in docs/proofs.md');
    merkle.verifyConsistency(c.old, 21n, merkle.treeHash(all.slice(0, 5)), root, c.proof);
  });
  await check('proof text: malformed texts are refused', async () => {
    const cp = 'o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— o AAAAAAA=\n';
    merkle.parseInclusionProofText('c2sp.org/tlog-proof@v1\nindex 0\n\n' + cp);
    for (const t of ['c2sp.org/tlog-proof@v2\nindex 0\n\n' + cp, 'c2sp.org/tlog-proof@v1\nindex 00\n\n' + cp,
      'c2sp.org/tlog-proof@v1\r\nindex 0\n\n' + cp, 'c2sp.org/tlog-proof@v1\nindex 0\n\n',
      'c2sp.org/tlog-proof@v1\nindex 0\nAAAA\n\n' + cp]) {
      await fails(() => merkle.parseInclusionProofText(t), JSON.stringify(t.slice(0, 40)));
    }
    await fails(() => merkle.parseConsistencyProofText('suiji.consistency-proof@v1\nold 0\n\n' + cp), 'old 0');
  });
  // A signer for end-to-end texts: Go's published PeterNeumann private key
  // through WebCrypto (PKCS#8 of the seed). Ed25519 is deterministic, so
  // re-signing Go's note must give its published signature byte for byte.
  const peterSeed = note.base64Decode('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz').slice(1);
  const pkcs8 = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...peterSeed]);
  const signNote = async (body) => {
    const k = await subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
    const sig = new Uint8Array(await subtle.sign({ name: 'Ed25519' }, k, enc.encode(body)));
    const id = note.parseVerifierKey(PETER_VKEY).keyId;
    return `${body}\n— PeterNeumann ${note.base64Encode(new Uint8Array([id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255, ...sig]))}\n`;
  };
  await check('note: re-signing Go\'s note with its published private key gives its published signature', async () => {
    eq(await signNote(NEUMANN), NEUMANN + '\n' + PETER_SIG, 'note');
  });
  {
    const all = Array.from({ length: 21 }, (_, i) => new Uint8Array([i]));
    const leaves = all.map(merkle.leafHash);
    const cp21 = await signNote(`example.com/suiji\n21\n${note.base64Encode(merkle.treeHash(leaves))}\n`);
    const incText = (i, proof) => 'c2sp.org/tlog-proof@v1\nindex ' + i + '\n' + proof.map(note.base64Encode).join('\n') + '\n\n' + cp21;
    const old5 = { size: 5n, root: merkle.treeHash(leaves.slice(0, 5)) };
    const conText = (proof) => 'suiji.consistency-proof@v1\nold 5\n' + proof.map(note.base64Encode).join('\n') + '\n\n' + cp21;
    const o2 = { ...o, origin: 'example.com/suiji' };
    await check('proof text: end to end, every entry of a signed tree of 21 is included', async () => {
      for (let i = 0; i < 21; i++) await note.verifyInclusionProofText(incText(i, merkle.inclusionProof(i, leaves)), all[i], PETER_VKEY, o2);
    });
    await check('proof text: end to end, another entry, a flipped proof hash or a flipped signature fails (twins)', async () => {
      const p = merkle.inclusionProof(13, leaves);
      await fails(() => note.verifyInclusionProofText(incText(13, p), all[12], PETER_VKEY, o2), 'other entry', (e) => e.code === 'EVERIFY');
      const q = p.map((h) => h.slice()); q[2][7] ^= 4;
      await fails(() => note.verifyInclusionProofText(incText(13, q), all[13], PETER_VKEY, o2), 'flipped hash', (e) => e.code === 'EVERIFY');
      const lines = cp21.split('\n');
      const forged = incText(13, p).replace(lines[4] + '\n', flipSigLine(lines[4] + '\n', 30));
      await fails(() => note.verifyInclusionProofText(forged, all[13], PETER_VKEY, o2), 'flipped signature', (e) => e.code === 'EVERIFY');
      await fails(() => note.verifyInclusionProofText(incText(13, p), all[13], ENOCH_VKEY, o2), 'not signed by this key', (e) => e.code === 'ENOENT');
    });
    await check('proof text: end to end, the signed tree of 21 extends the trusted tree of 5', async () => {
      await note.verifyConsistencyProofText(conText(merkle.consistencyProof(5, leaves)), old5, PETER_VKEY, o2);
    });
    await check('proof text: end to end, a forked old root or a flipped consistency hash fails (twins)', async () => {
      const p = merkle.consistencyProof(5, leaves);
      const forkRoot = old5.root.slice(); forkRoot[0] ^= 1;
      await fails(() => note.verifyConsistencyProofText(conText(p), { size: 5n, root: forkRoot }, PETER_VKEY, o2), 'fork', (e) => e.code === 'EVERIFY');
      const q = p.map((h) => h.slice()); q[q.length - 1][0] ^= 1;
      await fails(() => note.verifyConsistencyProofText(conText(q), old5, PETER_VKEY, o2), 'flipped', (e) => e.code === 'EVERIFY');
      await fails(() => note.verifyConsistencyProofText(conText(p), { size: 6n, root: old5.root }, PETER_VKEY, o2), 'other size', (e) => e.code === 'EINVAL');
    });
  }
  await check('proof text: end to end, a made-up proof against sigsum\'s signed checkpoint is refused', async () => {
    const text = 'c2sp.org/tlog-proof@v1\nindex 3\n' + Array.from({ length: 4 }, () => 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=').join('\n') + '\n\n' + SIGSUM_NOTE;
    await fails(() => note.verifyInclusionProofText(text, enc.encode('entry'), SIGSUM_VKEY, { ...o, origin: SIGSUM_ORIGIN }), 'false proof',
      (e) => e.code === 'EVERIFY');
  });
}

// ------------------------------------------------------------------ main

const timings = [];

// A group that breaks outside its checks (a malformed vector file, say)
// counts as one failure, so the summary line is always printed last.
async function group(name, fn) {
  try {
    await fn();
  } catch (e) {
    failed++;
    console.log(`FAIL  ${name}: stopped: ${e && e.message ? e.message : e}`);
  }
}

await group('sha256', testSha256);
const vecDir = join(ROOT, 'tests', 'vectors', 'draw');
const vecFiles = readdirSync(vecDir).filter((f) => f.endsWith('.json')).sort();
const t0 = process.hrtime.bigint();
for (const f of vecFiles) await group(`draw vector ${f}`, () => testDrawVector(join(vecDir, f)));
const vecMs = Number(process.hrtime.bigint() - t0) / 1e6;
await group('draw refusals', testDrawRefusals);
await group('merkle', testMerkle);
await group('note', testNotes);

if (timings.length && (!FILTER || 'draw'.includes(FILTER) || FILTER.startsWith('draw'))) {
  const slow = timings.slice().sort((a, b) => b[1] - a[1])[0];
  console.log(`note  ${vecFiles.length} draw vectors checked in ${vecMs.toFixed(0)} ms; slowest derive: ${slow[0]} (${slow[2]} objects) ${slow[1].toFixed(1)} ms`);
}
if (skipped) console.log(`note  ${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
