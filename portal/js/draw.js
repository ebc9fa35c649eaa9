// The suiji draw, version 1, as an independent JavaScript implementation of
// docs/draw-spec.md: the canonical encodings (object pool SJOP, people pools
// SJPP, inputs SJDI, result SJDR), the hashes, the seed commitment, the
// randomness R, the commitment-time check, the derivation (counts, scores,
// cutoffs, visit order, slots, teams, joint parts, experts) and the result
// encoding, plus what a business's page needs to check its own case (5.7).
//
// It is written from the specification, not translated from the C library,
// so that a page which agrees with the server agrees because both follow the
// document. Section numbers (3.2, 5.5, ...) refer to docs/draw-spec.md.
//
// Integers that can exceed 2^53 (u64 scores, order keys, beacon rounds, the
// deadline, the rounding products) are BigInt. Scores are compared in the hot
// loop as two 32-bit halves to keep a pass over millions of objects cheap.

import { Sha256, sha256 } from './sha256.js';

export const VERSION = 1;

// ---------------------------------------------------------------- errors

// code is the C library's error name for the same refusal: EINVAL for
// malformed input or inputs that do not fit the pools, ERANGE for counts,
// shortages and size caps, EVERIFY for a seed or result that does not check
// out (spec section 9). Only the code is normative; the message explains.
export class DrawError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'DrawError';
    this.code = code;
  }
}
const einval = (m) => new DrawError('EINVAL', m);
const erange = (m) => new DrawError('ERANGE', m);
const everify = (m) => new DrawError('EVERIFY', m);

// ---------------------------------------------------------------- limits (sections 1, 3, 4)

export const LIMITS = Object.freeze({
  maxId: 64,
  maxName: 32,
  maxText: 255,
  maxStrata: 255,
  maxObjects: 100000000,
  maxTags: 255,
  maxAgencies: 255,
  maxPeople: 100000,
  minTeam: 2,
  maxTeam: 16,
  maxExperts: 16,
  maxRuleTags: 16,
  maxBeacons: 8,
  maxBeaconValue: 1024,
  maxDen: 1000000000,
  maxList: 10000000,
  maxTeamAgencies: 15,
  // Byte caps checked before a decoder reads anything (3.1, 4): the largest
  // well-formed encoding plus a margin for the header.
  maxObjectPoolBytes: 100000000 * (64 + 2) + 8192,
  maxPeoplePoolBytes: 100000 * (64 + 3 + 255) + 32768,
  maxInputsBytes: 256 * 1024 * 1024,
});

export const KIND = Object.freeze({ OBJECT: 1, OFFICER: 2, EXPERT: 3 });
export const ROUNDING = Object.freeze({ CEIL: 1, FLOOR: 2, HALF_UP: 3 });
export const RULE = Object.freeze({ RATIO: 1, COUNT: 2 });

// Exclusion reasons (section 4), for display.
export const REASONS = Object.freeze({
  1: 'deregistered, revoked, cancelled or moved out (注销/吊销/撤销/迁出; R1, R6)',
  2: 'checked twice this year already (R9)',
  3: 'checked by a superior agency this year (R9)',
  4: 'checked by another unit of the agency this year (R9)',
  5: 'an individual lead handled outside the draw (R10)',
  6: 'drawn by the draw this one replaces (section 7)',
  7: 'a person being replaced (section 7)',
  8: 'unavailable: leave, illness, secondment',
  9: 'other: see the note',
});

// The words spec files and public files use for the reasons
// (docs/draw-request.md), in code order.
export const REASON_WORDS = Object.freeze(['deregistered', 'annual-cap', 'superior', 'other-unit',
  'handled', 'already-drawn', 'replaced', 'unavailable', 'other']);

// A reason code from a code or its word; null when neither.
export function reasonCode(r) {
  if (Number.isInteger(r) && r >= 1 && r <= 9) return r;
  const i = REASON_WORDS.indexOf(r);
  return i < 0 ? null : i + 1;
}

const KIND_NAME = { 1: 'object', 2: 'officer', 3: 'expert' };

// ---------------------------------------------------------------- tags (section 2)

const ASCII = new TextEncoder();
const TAG = {
  objectPool: 'suiji object pool v1',
  peoplePool: 'suiji people pool v1',
  inputs: 'suiji draw inputs v1',
  commitment: 'suiji seed commitment v1',
  randomness: 'suiji draw randomness v1',
  score: 'suiji draw score v1',
  order: 'suiji draw order v1',
  officers: 'suiji draw officers v1',
  experts: 'suiji draw experts v1',
  agencyOfficers: 'suiji draw agency officers v1',
  result: 'suiji draw result v1',
};
const ZERO = new Uint8Array([0]);

// TH(tag, b) = SHA-256(tag || 0x00 || b)
export function taggedHash(tag, bytes) {
  return sha256(ASCII.encode(tag), ZERO, bytes);
}

// The state after absorbing SHA-256(t) || R, exactly one block: KH(t, R, x)
// continues from it for every x (section 2).
function keyedState(tag, R) {
  const s = new Sha256();
  s.update(sha256(ASCII.encode(tag)));
  s.update(R);
  return s;
}

// KH(t, R, x) = SHA-256(SHA-256(t) || R || x)
export function keyedHash(tag, R, x) {
  return keyedState(tag, checkLen(R, 32, 'R')).update(x).final();
}

// ---------------------------------------------------------------- bytes

export function hexToBytes(hex, what = 'hex') {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw einval(`${what}: not an even number of hex digits`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

export function bytesToHex(b) {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

function checkLen(b, n, what) {
  if (!(b instanceof Uint8Array)) throw einval(`${what}: must be a Uint8Array`);
  if (b.length !== n) throw einval(`${what}: must be ${n} bytes, not ${b.length}`);
  return b;
}

function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

// Identifier order (section 1): memcmp over the shorter length, then the
// shorter first. For the ASCII strings identifiers are, this is exactly
// JavaScript's string comparison.
function cmpStr(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpBytes(a, ao, al, b, bo, bl) {
  const n = al < bl ? al : bl;
  for (let i = 0; i < n; i++) {
    const d = a[ao + i] - b[bo + i];
    if (d !== 0) return d;
  }
  return al - bl;
}

function latin1(b, off, len) {
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(b[off + i]);
  return s;
}

const UTF8 = new TextDecoder('utf-8', { fatal: false });

// Reads the fields of an encoding in order, naming the encoding and the field
// in every refusal.
class Reader {
  constructor(bytes, what) {
    this.b = bytes;
    this.p = 0;
    this.what = what;
  }
  need(n, field) {
    if (this.p + n > this.b.length) {
      throw einval(`${this.what}: ${field}: needs ${n} byte(s) at offset ${this.p}, the encoding ends at ${this.b.length}`);
    }
  }
  u8(field) { this.need(1, field); return this.b[this.p++]; }
  u16(field) { this.need(2, field); const v = (this.b[this.p] << 8) | this.b[this.p + 1]; this.p += 2; return v; }
  u32(field) {
    this.need(4, field);
    const b = this.b, p = this.p;
    this.p += 4;
    return ((b[p] << 24) >>> 0) + (b[p + 1] << 16) + (b[p + 2] << 8) + b[p + 3];
  }
  u64(field) {
    this.need(8, field);
    let v = 0n;
    for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(this.b[this.p + i]);
    this.p += 8;
    return v;
  }
  bytes(n, field) { this.need(n, field); const v = this.b.slice(this.p, this.p + n); this.p += n; return v; }
  // An identifier (max 64) or a name (max 32): 1..max bytes in 0x21..0x7e.
  ident(field, max = LIMITS.maxId) {
    const n = this.u8(`${field} length`);
    if (n < 1 || n > max) throw einval(`${this.what}: ${field}: length ${n} is not 1..${max}`);
    this.need(n, field);
    for (let i = 0; i < n; i++) {
      const c = this.b[this.p + i];
      if (c < 0x21 || c > 0x7e) {
        throw einval(`${this.what}: ${field}: byte 0x${c.toString(16).padStart(2, '0')} is not printable ASCII without space`);
      }
    }
    const s = latin1(this.b, this.p, n);
    this.p += n;
    return s;
  }
  name(field) { return this.ident(field, LIMITS.maxName); }
  // Text: 0..255 bytes, none below 0x20 and no 0x7f; kept as bytes.
  text(field, min = 0) {
    const n = this.u8(`${field} length`);
    if (n < min) throw einval(`${this.what}: ${field}: must not be empty`);
    const v = this.bytes(n, field);
    checkText(v, `${this.what}: ${field}`);
    return v;
  }
  end() {
    if (this.p !== this.b.length) {
      throw einval(`${this.what}: ${this.b.length - this.p} byte(s) after the end at offset ${this.p}`);
    }
  }
}

function checkText(v, what) {
  for (let i = 0; i < v.length; i++) {
    if (v[i] < 0x20 || v[i] === 0x7f) throw einval(`${what}: control byte 0x${v[i].toString(16).padStart(2, '0')} at ${i}`);
  }
}

// Appends fields; grows as needed.
class Writer {
  constructor(cap = 256) { this.b = new Uint8Array(cap); this.n = 0; }
  room(k) {
    if (this.n + k <= this.b.length) return;
    let c = this.b.length * 2;
    while (c < this.n + k) c *= 2;
    const nb = new Uint8Array(c);
    nb.set(this.b.subarray(0, this.n));
    this.b = nb;
  }
  u8(v) { this.room(1); this.b[this.n++] = v & 0xff; return this; }
  u16(v) { this.room(2); this.b[this.n++] = (v >>> 8) & 0xff; this.b[this.n++] = v & 0xff; return this; }
  u32(v) { this.room(4); for (let s = 24; s >= 0; s -= 8) this.b[this.n++] = (v >>> s) & 0xff; return this; }
  u64(v) {
    let x = BigInt.asUintN(64, BigInt(v));
    this.room(8);
    for (let i = 7; i >= 0; i--) { this.b[this.n + i] = Number(x & 0xffn); x >>= 8n; }
    this.n += 8;
    return this;
  }
  bytes(v) { this.room(v.length); this.b.set(v, this.n); this.n += v.length; return this; }
  str8(s) {
    const v = typeof s === 'string' ? ASCII.encode(s) : s;
    if (v.length > 255) throw einval(`string of ${v.length} bytes does not fit str8`);
    return this.u8(v.length).bytes(v);
  }
  done() { return this.b.slice(0, this.n); }
}

// str8 of an ASCII identifier.
function str8(s) {
  const v = ASCII.encode(s);
  const o = new Uint8Array(v.length + 1);
  o[0] = v.length;
  o.set(v, 1);
  return o;
}

function checkIdent(s, what, max = LIMITS.maxId) {
  if (typeof s !== 'string' || s.length < 1 || s.length > max) throw einval(`${what}: must be an identifier of 1..${max} bytes`);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) throw einval(`${what}: "${s}" holds a character outside printable ASCII without space`);
  }
  return s;
}

function toText(v, what) {
  const b = typeof v === 'string' ? ASCII.encode(v) : v;
  if (!(b instanceof Uint8Array) || b.length > LIMITS.maxText) throw einval(`${what}: text of 0..255 bytes expected`);
  checkText(b, what);
  return b;
}

// ---------------------------------------------------------------- 3.2 object pool

// A decoded object pool keeps its encoding and one offset per object: an
// object's str8(id) is exactly its bytes in the encoding, which is what the
// keyed hashes absorb, so no string per object is ever made (10^7 strings
// would not fit a browser tab comfortably).
export class ObjectPool {
  constructor(bytes, strata, off, hash) {
    this.bytes = bytes;
    this.strata = strata;
    this.off = off;
    this.count = off.length;
    this.hash = hash;
  }
  idLength(i) { return this.bytes[this.off[i]]; }
  id(i) { const o = this.off[i]; return latin1(this.bytes, o + 1, this.bytes[o]); }
  str8(i) { const o = this.off[i]; return this.bytes.subarray(o, o + 1 + this.bytes[o]); }
  stratum(i) { const o = this.off[i]; return this.bytes[o + 1 + this.bytes[o]]; }
  // Index of the object with this identifier, or -1 (binary search: the
  // objects are strictly ascending by identifier).
  find(id) {
    const v = ASCII.encode(id);
    let lo = 0, hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const o = this.off[mid];
      const c = cmpBytes(this.bytes, o + 1, this.bytes[o], v, 0, v.length);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
  }
}

export function decodeObjectPool(bytes) {
  if (bytes instanceof ObjectPool) return bytes;
  if (!(bytes instanceof Uint8Array)) throw einval('object pool: must be a Uint8Array');
  if (bytes.length > LIMITS.maxObjectPoolBytes) throw erange(`object pool: ${bytes.length} bytes exceed the cap of ${LIMITS.maxObjectPoolBytes}`);
  if (bytes.length >= 2 ** 32) throw erange('object pool: 4 GiB or more is beyond this implementation');
  const r = new Reader(bytes, 'object pool');
  readMagic(r, 'SJOP');
  const S = r.u16('number of strata');
  if (S < 1 || S > LIMITS.maxStrata) throw einval(`object pool: ${S} strata, not 1..${LIMITS.maxStrata}`);
  const strata = [];
  for (let i = 0; i < S; i++) {
    const s = r.name(`stratum name ${i}`);
    if (i > 0 && cmpStr(strata[i - 1], s) >= 0) throw einval(`object pool: stratum "${s}" is not strictly after "${strata[i - 1]}"`);
    strata.push(s);
  }
  const N = r.u32('number of objects');
  if (N > LIMITS.maxObjects) throw einval(`object pool: ${N} objects, more than ${LIMITS.maxObjects}`);
  // Each object takes at least 3 bytes: refuse an impossible count before
  // allocating for it.
  if (N * 3 > bytes.length - r.p) throw einval(`object pool: ${N} objects cannot fit in ${bytes.length - r.p} bytes`);
  const off = new Uint32Array(N);
  let prevO = -1, prevL = 0;
  for (let i = 0; i < N; i++) {
    const o = r.p;
    const L = r.u8(`object ${i} id length`);
    if (L < 1 || L > LIMITS.maxId) throw einval(`object pool: object ${i}: id length ${L} is not 1..64`);
    r.need(L + 1, `object ${i}`);
    for (let k = 0; k < L; k++) {
      const c = bytes[o + 1 + k];
      if (c < 0x21 || c > 0x7e) throw einval(`object pool: object ${i} "${latin1(bytes, o + 1, L)}": byte 0x${c.toString(16)} is not printable ASCII without space`);
    }
    if (prevO >= 0 && cmpBytes(bytes, prevO + 1, prevL, bytes, o + 1, L) >= 0) {
      throw einval(`object pool: object "${latin1(bytes, o + 1, L)}" is not strictly after "${latin1(bytes, prevO + 1, prevL)}"`);
    }
    const s = bytes[o + 1 + L];
    if (s >= S) throw einval(`object pool: object "${latin1(bytes, o + 1, L)}": stratum index ${s} is not below ${S}`);
    off[i] = o;
    prevO = o; prevL = L;
    r.p = o + L + 2;
  }
  r.end();
  return new ObjectPool(bytes, strata, off, taggedHash(TAG.objectPool, bytes));
}

// pool: {strata: [name], members: [[id, stratumIndex], ...]}
export function encodeObjectPool(pool) {
  const w = new Writer(64 + 24 * pool.members.length);
  w.bytes(ASCII.encode('SJOP')).u8(VERSION).u16(pool.strata.length);
  for (const s of pool.strata) w.str8(checkIdent(s, 'stratum name', LIMITS.maxName));
  w.u32(pool.members.length);
  for (const [id, s] of pool.members) w.str8(checkIdent(id, 'object id')).u8(s);
  // Decoding checks order, ranges and caps, so nothing malformed is returned.
  const bytes = w.done();
  decodeObjectPool(bytes);
  return bytes;
}

function readMagic(r, magic) {
  const m = latin1(r.bytes(4, 'magic'), 0, 4);
  if (m !== magic) throw einval(`${r.what}: magic "${m.replace(/[^\x20-\x7e]/g, '?')}" is not ${magic}`);
  const v = r.u8('version');
  if (v !== VERSION) throw einval(`${r.what}: version ${v} is not ${VERSION}`);
}

// ---------------------------------------------------------------- 3.3 people pools

export function decodePeoplePool(bytes, what = 'people pool') {
  if (bytes && bytes.people) return bytes;
  if (!(bytes instanceof Uint8Array)) throw einval(`${what}: must be a Uint8Array`);
  if (bytes.length > LIMITS.maxPeoplePoolBytes) throw erange(`${what}: ${bytes.length} bytes exceed the cap of ${LIMITS.maxPeoplePoolBytes}`);
  const r = new Reader(bytes, what);
  readMagic(r, 'SJPP');
  const kind = r.u8('kind');
  if (kind !== KIND.OFFICER && kind !== KIND.EXPERT) throw einval(`${what}: kind ${kind} is neither 2 (officers) nor 3 (experts)`);
  const T = r.u16('number of tags');
  if (T > LIMITS.maxTags) throw einval(`${what}: ${T} tags, more than ${LIMITS.maxTags}`);
  const tags = [];
  for (let i = 0; i < T; i++) {
    const t = r.name(`tag ${i}`);
    if (i > 0 && cmpStr(tags[i - 1], t) >= 0) throw einval(`${what}: tag "${t}" is not strictly after "${tags[i - 1]}"`);
    tags.push(t);
  }
  const A = r.u16('number of agencies');
  if (A > LIMITS.maxAgencies) throw einval(`${what}: ${A} agencies, more than ${LIMITS.maxAgencies}`);
  const agencies = [];
  for (let i = 0; i < A; i++) {
    const a = r.ident(`agency ${i}`);
    if (i > 0 && cmpStr(agencies[i - 1], a) >= 0) throw einval(`${what}: agency "${a}" is not strictly after "${agencies[i - 1]}"`);
    agencies.push(a);
  }
  const M = r.u32('number of people');
  if (M > LIMITS.maxPeople) throw einval(`${what}: ${M} people, more than ${LIMITS.maxPeople}`);
  const people = [];
  for (let i = 0; i < M; i++) {
    const id = r.ident(`person ${i} id`);
    if (i > 0 && cmpStr(people[i - 1].id, id) >= 0) throw einval(`${what}: person "${id}" is not strictly after "${people[i - 1].id}"`);
    const agency = r.u8(`person ${id} agency`);
    if (agency >= A) throw einval(`${what}: person "${id}": agency index ${agency} is not below ${A}`);
    const t = r.u8(`person ${id} number of tags`);
    const ptags = [];
    for (let k = 0; k < t; k++) {
      const x = r.u8(`person ${id} tag`);
      if (x >= T) throw einval(`${what}: person "${id}": tag index ${x} is not below ${T}`);
      if (k > 0 && x <= ptags[k - 1]) throw einval(`${what}: person "${id}": tag indexes are not strictly ascending`);
      ptags.push(x);
    }
    people.push({ id, agency, tags: ptags });
  }
  r.end();
  return { bytes, kind, tags, agencies, people, hash: taggedHash(TAG.peoplePool, bytes) };
}

// pool: {kind, tags, agencies, members: [[id, agencyIndex, [tagIndex]], ...]}
export function encodePeoplePool(pool) {
  const w = new Writer();
  w.bytes(ASCII.encode('SJPP')).u8(VERSION).u8(pool.kind).u16(pool.tags.length);
  for (const t of pool.tags) w.str8(checkIdent(t, 'tag', LIMITS.maxName));
  w.u16(pool.agencies.length);
  for (const a of pool.agencies) w.str8(checkIdent(a, 'agency'));
  w.u32(pool.members.length);
  for (const [id, a, t] of pool.members) {
    w.str8(checkIdent(id, 'person id')).u8(a).u8(t.length);
    for (const x of t) w.u8(x);
  }
  const bytes = w.done();
  decodePeoplePool(bytes);
  return bytes;
}

// ---------------------------------------------------------------- 4 inputs

export function decodeInputs(bytes) {
  if (bytes && bytes.rules) return bytes;
  if (!(bytes instanceof Uint8Array)) throw einval('inputs: must be a Uint8Array');
  if (bytes.length > LIMITS.maxInputsBytes) throw erange(`inputs: ${bytes.length} bytes exceed the cap of ${LIMITS.maxInputsBytes}`);
  const r = new Reader(bytes, 'inputs');
  readMagic(r, 'SJDI');
  const x = {};
  x.task = r.ident('task identifier');
  x.objectPoolHash = r.bytes(32, 'object pool hash');
  x.officerPoolHash = r.bytes(32, 'officer pool hash');
  x.expertPoolHash = r.bytes(32, 'expert pool hash');
  const rep = r.u8('replaces');
  if (rep === 0) x.replaces = null;
  else if (rep === 1) {
    const entryHash = r.bytes(32, 'replaced entry hash');
    const reason = r.text('replacement reason', 1);
    x.replaces = { entryHash, reason, reasonText: UTF8.decode(reason) };
  } else throw einval(`inputs: replaces byte ${rep} is neither 0 nor 1`);
  x.rounding = r.u8('rounding');
  if (x.rounding < 1 || x.rounding > 3) throw einval(`inputs: rounding ${x.rounding} is not 1 (ceil), 2 (floor) or 3 (half-up)`);
  x.teamSize = r.u8('team size');
  if (x.teamSize < LIMITS.minTeam || x.teamSize > LIMITS.maxTeam) throw einval(`inputs: team size ${x.teamSize} is not 2..16 (R11)`);
  x.slotSize = r.u16('slot size');
  if (x.slotSize < 1) throw einval('inputs: slot size 0 (must be 1..65535)');
  const flags = r.u8('flags');
  if (flags & ~3) throw einval(`inputs: flags 0x${flags.toString(16)} has bits other than 0x01 and 0x02`);
  x.repeatInSlot = (flags & 1) !== 0;
  x.teamAgencies = [];
  if (flags & 2) {
    const A = r.u8('number of team agencies');
    if (A < 1 || A > LIMITS.maxTeamAgencies) throw einval(`inputs: ${A} team agencies, not 1..${LIMITS.maxTeamAgencies}`);
    for (let i = 0; i < A; i++) {
      const a = r.ident(`team agency ${i}`);
      if (i > 0 && cmpStr(x.teamAgencies[i - 1], a) >= 0) throw einval(`inputs: team agency "${a}" is not strictly after "${x.teamAgencies[i - 1]}"`);
      x.teamAgencies.push(a);
    }
  }
  x.deadline = BigInt.asIntN(64, r.u64('deadline'));
  if (x.deadline <= 0n) throw einval(`inputs: deadline ${x.deadline} is not positive`);
  const B = r.u8('number of beacon rounds');
  if (B < 1 || B > LIMITS.maxBeacons) throw einval(`inputs: ${B} beacon rounds, not 1..${LIMITS.maxBeacons}`);
  x.beacons = [];
  for (let i = 0; i < B; i++) {
    const source = r.ident(`beacon ${i} source`);
    const round = r.u64(`beacon ${i} round`);
    if (x.beacons.some((b) => b.source === source && b.round === round)) throw einval(`inputs: beacon round ${source} ${round} is named twice`);
    x.beacons.push({ source, round });
  }
  const S = r.u16('number of rules');
  if (S < 1 || S > LIMITS.maxStrata) throw einval(`inputs: ${S} rules, not 1..${LIMITS.maxStrata}`);
  x.rules = [];
  for (let i = 0; i < S; i++) {
    const stratum = r.name(`rule ${i} stratum`);
    if (i > 0 && cmpStr(x.rules[i - 1].stratum, stratum) >= 0) throw einval(`inputs: rule for "${stratum}" is not strictly after "${x.rules[i - 1].stratum}"`);
    const kind = r.u8(`rule ${stratum} kind`);
    const a = r.u32(`rule ${stratum} numerator or count`);
    const b = r.u32(`rule ${stratum} denominator`);
    const rule = { stratum, kind };
    if (kind === RULE.RATIO) {
      if (b < 1 || b > LIMITS.maxDen) throw einval(`inputs: rule ${stratum}: denominator ${b} is not 1..${LIMITS.maxDen}`);
      if (a > b) throw einval(`inputs: rule ${stratum}: ratio ${a}/${b} is above 1`);
      rule.num = a; rule.den = b;
    } else if (kind === RULE.COUNT) {
      if (a > LIMITS.maxObjects) throw einval(`inputs: rule ${stratum}: count ${a} is above ${LIMITS.maxObjects}`);
      if (b !== 0) throw einval(`inputs: rule ${stratum}: a count rule has ${b} where 0 belongs`);
      rule.count = a;
    } else throw einval(`inputs: rule ${stratum}: kind ${kind} is neither 1 (ratio) nor 2 (count)`);
    rule.officerTags = readNames(r, `rule ${stratum} officer tags`);
    rule.experts = r.u8(`rule ${stratum} experts`);
    if (rule.experts > LIMITS.maxExperts) throw einval(`inputs: rule ${stratum}: ${rule.experts} experts, more than ${LIMITS.maxExperts}`);
    rule.expertTags = readNames(r, `rule ${stratum} expert tags`);
    if (rule.experts === 0 && rule.expertTags.length > 0) throw einval(`inputs: rule ${stratum}: expert tags without experts`);
    x.rules.push(rule);
  }
  const X = r.u32('number of exclusions');
  if (X > LIMITS.maxList) throw einval(`inputs: ${X} exclusions, more than ${LIMITS.maxList}`);
  if (X * 4 > bytes.length - r.p) throw einval(`inputs: ${X} exclusions cannot fit in ${bytes.length - r.p} bytes`);
  x.exclusions = [];
  for (let i = 0; i < X; i++) {
    const kind = r.u8(`exclusion ${i} kind`);
    if (kind < 1 || kind > 3) throw einval(`inputs: exclusion ${i}: kind ${kind} is not 1, 2 or 3`);
    const id = r.ident(`exclusion ${i} id`);
    const reason = r.u8(`exclusion ${id} reason`);
    if (reason < 1 || reason > 9) throw einval(`inputs: exclusion of ${KIND_NAME[kind]} ${id}: reason ${reason} is not 1..9`);
    const note = r.text(`exclusion ${id} note`);
    if (reason === 9 && note.length === 0) throw einval(`inputs: exclusion of ${KIND_NAME[kind]} ${id}: reason 9 (other) needs a note`);
    const e = { kind, id, reason, note, noteText: UTF8.decode(note) };
    if (i > 0) {
      const p = x.exclusions[i - 1];
      if (p.kind > kind || (p.kind === kind && cmpStr(p.id, id) >= 0)) throw einval(`inputs: exclusion of ${KIND_NAME[kind]} ${id} is not strictly after ${KIND_NAME[p.kind]} ${p.id}`);
    }
    x.exclusions.push(e);
  }
  const C = r.u32('number of conflicts');
  if (C > LIMITS.maxList) throw einval(`inputs: ${C} conflicts, more than ${LIMITS.maxList}`);
  if (C * 5 > bytes.length - r.p) throw einval(`inputs: ${C} conflicts cannot fit in ${bytes.length - r.p} bytes`);
  x.conflicts = [];
  for (let i = 0; i < C; i++) {
    const kind = r.u8(`conflict ${i} kind`);
    if (kind !== 2 && kind !== 3) throw einval(`inputs: conflict ${i}: kind ${kind} is neither 2 (officer) nor 3 (expert)`);
    const object = r.ident(`conflict ${i} object`);
    const person = r.ident(`conflict ${i} person`);
    if (i > 0) {
      const p = x.conflicts[i - 1];
      const c = p.kind - kind || cmpStr(p.object, object) || cmpStr(p.person, person);
      if (c >= 0) throw einval(`inputs: conflict (${KIND_NAME[kind]}, ${object}, ${person}) is not strictly after (${KIND_NAME[p.kind]}, ${p.object}, ${p.person})`);
    }
    x.conflicts.push({ kind, object, person });
  }
  r.end();
  x.bytes = bytes;
  x.hash = taggedHash(TAG.inputs, bytes);
  // Every field above has one spelling, so encoding what was read must give
  // the bytes back; this guards the decoder against accepting a variant.
  if (!bytesEqual(encodeInputsRaw(x), bytes)) throw einval('inputs: not the canonical encoding');
  return x;
}

function readNames(r, field) {
  const n = r.u8(`${field}: count`);
  if (n > LIMITS.maxRuleTags) throw einval(`inputs: ${field}: ${n}, more than ${LIMITS.maxRuleTags}`);
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = r.name(field);
    if (i > 0 && cmpStr(out[i - 1], t) >= 0) throw einval(`inputs: ${field}: "${t}" is not strictly after "${out[i - 1]}"`);
    out.push(t);
  }
  return out;
}

function encodeInputsRaw(x) {
  const w = new Writer(512);
  w.bytes(ASCII.encode('SJDI')).u8(VERSION).str8(x.task);
  w.bytes(x.objectPoolHash).bytes(x.officerPoolHash).bytes(x.expertPoolHash);
  if (x.replaces) w.u8(1).bytes(x.replaces.entryHash).str8(x.replaces.reason);
  else w.u8(0);
  w.u8(x.rounding).u8(x.teamSize).u16(x.slotSize);
  const A = x.teamAgencies ? x.teamAgencies.length : 0;
  w.u8((x.repeatInSlot ? 1 : 0) | (A > 0 ? 2 : 0));
  if (A > 0) {
    w.u8(A);
    for (const a of x.teamAgencies) w.str8(a);
  }
  w.u64(x.deadline).u8(x.beacons.length);
  for (const b of x.beacons) w.str8(b.source).u64(b.round);
  w.u16(x.rules.length);
  for (const r of x.rules) {
    w.str8(r.stratum).u8(r.kind);
    if (r.kind === RULE.RATIO) w.u32(r.num).u32(r.den);
    else w.u32(r.count).u32(0);
    w.u8(r.officerTags.length);
    for (const t of r.officerTags) w.str8(t);
    w.u8(r.experts).u8(r.expertTags.length);
    for (const t of r.expertTags) w.str8(t);
  }
  w.u32(x.exclusions.length);
  for (const e of x.exclusions) w.u8(e.kind).str8(e.id).u8(e.reason).str8(e.note);
  w.u32(x.conflicts.length);
  for (const c of x.conflicts) w.u8(c.kind).str8(c.object).str8(c.person);
  return w.done();
}

// Encodes inputs given as the fields decodeInputs returns (hashes as
// Uint8Array, deadline and rounds as BigInt or integer, notes and reasons as
// Uint8Array or string), and decodes the result to refuse anything malformed.
export function encodeInputs(x) {
  const norm = {
    ...x,
    objectPoolHash: checkLen(x.objectPoolHash, 32, 'object pool hash'),
    officerPoolHash: checkLen(x.officerPoolHash, 32, 'officer pool hash'),
    expertPoolHash: checkLen(x.expertPoolHash, 32, 'expert pool hash'),
    replaces: x.replaces ? { entryHash: checkLen(x.replaces.entryHash, 32, 'replaced entry hash'), reason: toText(x.replaces.reason, 'replacement reason') } : null,
    teamAgencies: x.teamAgencies || [],
    deadline: BigInt(x.deadline),
    beacons: x.beacons.map((b) => ({ source: b.source, round: BigInt(b.round) })),
    exclusions: x.exclusions.map((e) => ({ ...e, note: toText(e.note, `exclusion ${e.id} note`) })),
  };
  const bytes = encodeInputsRaw(norm);
  decodeInputs(bytes);
  return bytes;
}

// ---------------------------------------------------------------- 5.1 commitment and randomness

export function commitment(seed) {
  return taggedHash(TAG.commitment, checkLen(seed, 32, 'seed'));
}

// True iff the seed opens the commitment (compared without early exit).
export function checkSeed(seed, commit) {
  return bytesEqual(commitment(seed), checkLen(commit, 32, 'commitment'));
}

// R from the seed, the commitment entry's hash E, the inputs and the beacon
// values v_1..v_B in the committed order.
export function randomness(seed, entryHash, inputs, beaconValues) {
  const x = decodeInputs(inputs);
  if (!Array.isArray(beaconValues) || beaconValues.length !== x.beacons.length) {
    throw einval(`beacon values: the inputs name ${x.beacons.length} round(s), ${Array.isArray(beaconValues) ? beaconValues.length : 'no list of'} value(s) given`);
  }
  return randomnessFromHash(seed, entryHash, x.hash, x.beacons.map((b, i) => ({ ...b, value: beaconValues[i] })));
}

// The same from the inputs hash alone, for a page that is given the hash and
// the beacon rounds but not the inputs (which name officers): beacons are
// [{source, round, value}] in the committed order.
export function randomnessFromHash(seed, entryHash, inputsHash, beacons) {
  checkLen(seed, 32, 'seed');
  checkLen(entryHash, 32, 'entry hash');
  checkLen(inputsHash, 32, 'inputs hash');
  if (!Array.isArray(beacons) || beacons.length < 1 || beacons.length > LIMITS.maxBeacons) {
    throw einval(`beacons: 1..${LIMITS.maxBeacons} rounds expected`);
  }
  const s = new Sha256();
  s.update(ASCII.encode(TAG.randomness)).update(ZERO).update(seed).update(entryHash).update(inputsHash);
  s.update(new Uint8Array([beacons.length]));
  beacons.forEach((b, i) => {
    const v = b.value;
    checkIdent(b.source, `beacon ${i + 1} source`);
    if (!(v instanceof Uint8Array) || v.length < 1 || v.length > LIMITS.maxBeaconValue) {
      throw einval(`beacon value ${i + 1} (${b.source} round ${b.round}): must be 1..${LIMITS.maxBeaconValue} bytes`);
    }
    s.update(new Writer(80).str8(b.source).u64(BigInt(b.round)).u16(v.length).done());
    s.update(v);
  });
  return s.final();
}

// ---------------------------------------------------------------- 5.2 counts

// k for a rule over n eligible objects; exact in BigInt.
export function stratumCount(rule, n, rounding) {
  if (rule.kind === RULE.COUNT) return rule.count;
  const p = BigInt(n) * BigInt(rule.num), den = BigInt(rule.den);
  let k;
  if (rounding === ROUNDING.CEIL) k = (p + den - 1n) / den;
  else if (rounding === ROUNDING.FLOOR) k = p / den;
  else if (rounding === ROUNDING.HALF_UP) k = (2n * p + den) / (2n * den);
  else throw einval(`rounding ${rounding} is not 1, 2 or 3`);
  return Number(k < BigInt(n) ? k : BigInt(n));
}

// ---------------------------------------------------------------- the setting of a draw

// Everything the check and the derivation share: the decoded documents, the
// eligibility of objects and people, n and k per stratum, conflicts by object.
function prepare(inputs, objects, officers, experts) {
  const x = decodeInputs(inputs);
  const op = decodeObjectPool(objects);
  const of = decodePeoplePool(officers, 'officer pool');
  const ex = decodePeoplePool(experts, 'expert pool');

  if (!bytesEqual(op.hash, x.objectPoolHash)) throw einval('R6: the object pool is not the one the inputs name (hash differs)');
  if (!bytesEqual(of.hash, x.officerPoolHash)) throw einval('R2: the officer pool is not the one the inputs name (hash differs)');
  if (!bytesEqual(ex.hash, x.expertPoolHash)) throw einval('R13: the expert pool is not the one the inputs name (hash differs)');
  if (of.kind !== KIND.OFFICER) throw einval('R2: the officer pool is a pool of experts');
  if (ex.kind !== KIND.EXPERT) throw einval('R2: the expert pool is a pool of officers');

  // 5.2: rule i is stratum i.
  const S = op.strata.length;
  for (let i = 0; i < Math.max(S, x.rules.length); i++) {
    const a = op.strata[i], b = x.rules[i] && x.rules[i].stratum;
    if (a !== b) {
      if (b === undefined || (a !== undefined && cmpStr(a, b) < 0)) throw einval(`R7: stratum ${a} of the object pool has no rule`);
      throw einval(`R7: the rule for stratum ${b} names no stratum of the object pool`);
    }
  }

  const offIndex = new Map(of.people.map((p, i) => [p.id, i]));
  const exIndex = new Map(ex.people.map((p, i) => [p.id, i]));
  const objExcluded = new Map(); // object index -> exclusion
  const offExcluded = new Uint8Array(of.people.length);
  const exExcluded = new Uint8Array(ex.people.length);
  for (const e of x.exclusions) {
    if (e.kind === KIND.OBJECT) {
      const i = op.find(e.id);
      if (i < 0) throw einval(`R6: the exclusion of object ${e.id} names no object of the pool`);
      objExcluded.set(i, e);
    } else if (e.kind === KIND.OFFICER) {
      const i = offIndex.get(e.id);
      if (i === undefined) throw einval(`R2: the exclusion of officer ${e.id} names no officer of the pool`);
      offExcluded[i] = 1;
    } else {
      const i = exIndex.get(e.id);
      if (i === undefined) throw einval(`R13: the exclusion of expert ${e.id} names no expert of the pool`);
      exExcluded[i] = 1;
    }
  }
  // Conflicts by object index: the people (pool indexes) each object may not meet.
  const offConflicts = new Map(), exConflicts = new Map();
  for (const c of x.conflicts) {
    const oi = op.find(c.object);
    if (oi < 0) throw einval(`R12: the conflict of ${KIND_NAME[c.kind]} ${c.person} names no object ${c.object} of the pool`);
    const pi = (c.kind === KIND.OFFICER ? offIndex : exIndex).get(c.person);
    if (pi === undefined) throw einval(`R12: the conflict with object ${c.object} names no ${KIND_NAME[c.kind]} ${c.person} of the pool`);
    const m = c.kind === KIND.OFFICER ? offConflicts : exConflicts;
    if (!m.has(oi)) m.set(oi, new Set());
    m.get(oi).add(pi);
  }

  const teamAgencies = x.teamAgencies.map((a) => {
    const g = of.agencies.indexOf(a);
    if (g < 0) throw einval(`R14: team agency ${a} is not an agency of the officer pool`);
    return g;
  });

  // n per stratum (eligible objects), then k.
  const n = new Array(S).fill(0);
  for (let i = 0; i < op.count; i++) if (!objExcluded.has(i)) n[op.stratum(i)]++;
  const k = x.rules.map((r, s) => {
    if (r.kind === RULE.COUNT && r.count > n[s]) {
      throw erange(`R7: stratum ${r.stratum} asks for a fixed count of ${r.count} and has ${n[s]} eligible objects`);
    }
    return stratumCount(r, n[s], x.rounding);
  });
  const K = k.reduce((a, b) => a + b, 0);

  // Per stratum: the qualified people (not excluded, every tag of the rule),
  // as pool indexes in pool order.
  const qualified = (pool, excluded, tagNames) => {
    const want = tagNames.map((t) => pool.tags.indexOf(t));
    if (want.includes(-1)) return { missing: tagNames[want.indexOf(-1)], list: [] };
    const list = [];
    pool.people.forEach((p, i) => {
      if (!excluded[i] && want.every((t) => p.tags.includes(t))) list.push(i);
    });
    return { missing: null, list };
  };
  const offQual = x.rules.map((r) => qualified(of, offExcluded, r.officerTags));
  const exQual = x.rules.map((r) => qualified(ex, exExcluded, r.expertTags));

  return { x, op, of, ex, objExcluded, offConflicts, exConflicts, teamAgencies, n, k, K, offQual, exQual };
}

// ---------------------------------------------------------------- 5.6 the check

function tagList(tags) { return tags.length ? tags.join(',') : '(any)'; }

// Throws the first problem (EINVAL, ERANGE) or returns the prepared setting.
function checkPrepared(d) {
  const { x, op, of, k, K } = d;
  const slots = x.repeatInSlot ? 1 : Math.min(x.slotSize, K);
  const need = x.teamSize * slots;
  const per = `(team of ${x.teamSize} x ${slots} objects per slot)`;
  // Eligible objects of each stratum that have conflicts, in pool order.
  // Eligible objects with conflicts, per stratum in pool order: one pass
  // over the conflicts, not one per stratum (there may be 10^7 of them).
  const byStratum = (m) => {
    const out = x.rules.map(() => []);
    for (const i of [...m.keys()].sort((a, b) => a - b)) if (!d.objExcluded.has(i)) out[op.stratum(i)].push(i);
    return out;
  };
  const offBy = byStratum(d.offConflicts), exBy = byStratum(d.exConflicts);

  for (let s = 0; s < x.rules.length; s++) {
    if (k[s] === 0) continue;
    const rule = x.rules[s];
    const oq = d.offQual[s];
    if (oq.missing !== null) throw erange(`R13: stratum ${rule.stratum} needs officers tagged ${oq.missing} and the officer pool has no such tag`);
    const groups = d.teamAgencies.length
      ? d.teamAgencies.map((g) => ({ name: of.agencies[g], list: oq.list.filter((i) => of.people[i].agency === g) }))
      : [{ name: null, list: oq.list }];
    for (const grp of groups) {
      const Q = grp.list.length;
      const who = grp.name === null ? 'officers' : `officers of agency ${grp.name}`;
      const rules = grp.name === null ? 'R11/R13' : 'R11/R13/R14';
      if (Q < need) throw erange(`${rules}: stratum ${rule.stratum} has ${Q} ${who} with tags ${tagList(rule.officerTags)}, needs ${need} ${per}`);
      const inQ = new Set(grp.list);
      let worst = -1, worstC = 0;
      for (const i of offBy[s]) {
        let c = 0;
        for (const p of d.offConflicts.get(i)) if (inQ.has(p)) c++;
        if (c > worstC) { worst = i; worstC = c; }
      }
      if (worst >= 0 && Q - worstC < need) {
        throw erange(`${grp.name === null ? 'R12' : 'R12/R14'}: object ${op.id(worst)} (stratum ${rule.stratum}) has ${Q - worstC} ${who} with tags ${tagList(rule.officerTags)} left after recusal, needs ${need} ${per}`);
      }
    }
    if (rule.experts > 0) {
      const eq = d.exQual[s];
      if (eq.missing !== null) throw erange(`R2/R13: stratum ${rule.stratum} needs experts tagged ${eq.missing} and the expert pool has no such tag`);
      const Q = eq.list.length, e = rule.experts;
      if (Q < e) throw erange(`R2/R13: stratum ${rule.stratum} has ${Q} experts with tags ${tagList(rule.expertTags)}, needs ${e}`);
      const inQ = new Set(eq.list);
      let worst = -1, worstC = 0;
      for (const i of exBy[s]) {
        let c = 0;
        for (const p of d.exConflicts.get(i)) if (inQ.has(p)) c++;
        if (c > worstC) { worst = i; worstC = c; }
      }
      if (worst >= 0 && Q - worstC < e) {
        throw erange(`R12: object ${op.id(worst)} (stratum ${rule.stratum}) has ${Q - worstC} experts with tags ${tagList(rule.expertTags)} left after recusal, needs ${e}`);
      }
    }
  }
  return d;
}

// The commitment-time check of 5.6 (and 5.8): throws a DrawError naming the
// first problem, or returns {n, k, K} per stratum.
export function check(inputs, objects, officers, experts) {
  const d = checkPrepared(prepare(inputs, objects, officers, experts));
  return { n: d.n, k: d.k, K: d.K };
}

// ---------------------------------------------------------------- 5.3 - 5.5 the derivation

// word(h, 0) as two unsigned 32-bit halves.
const hi32 = (h) => ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
const lo32 = (h) => ((h[4] << 24) | (h[5] << 16) | (h[6] << 8) | h[7]) >>> 0;
const word64 = (h, i) => {
  let v = 0n;
  for (let j = 0; j < 8; j++) v = (v << 8n) | BigInt(h[8 * i + j]);
  return v;
};

// score(x) or order(x) as a BigInt, for one identifier.
function keyedWord(tag, R, id) {
  return word64(keyedHash(tag, R, str8(checkIdent(id, 'object id'))), 0);
}
export function score(R, id) { return keyedWord(TAG.score, R, id); }
export function orderKey(R, id) { return keyedWord(TAG.order, R, id); }

// A bounded max-heap of the k smallest (score, id) pairs of one stratum;
// entries are object indexes, compared through the hi/lo score arrays and the
// identifiers in the pool's encoding.
function makeHeap(k, op, shi, slo) {
  const h = [];
  // a > b in (score, id) order
  const gt = (a, b) => {
    if (shi[a] !== shi[b]) return shi[a] > shi[b];
    if (slo[a] !== slo[b]) return slo[a] > slo[b];
    const oa = op.off[a], ob = op.off[b];
    return cmpBytes(op.bytes, oa + 1, op.bytes[oa], op.bytes, ob + 1, op.bytes[ob]) > 0;
  };
  const up = (i) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!gt(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  };
  const down = (i) => {
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < h.length && gt(h[l], h[m])) m = l;
      if (r < h.length && gt(h[r], h[m])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  };
  return {
    items: h,
    offer(i) {
      if (h.length < k) { h.push(i); up(h.length - 1); } else if (gt(h[0], i)) { h[0] = i; down(0); }
    },
  };
}

// The word stream of 5.5 for one prefix (str8(x), or str8(x) || str8(a_g)).
class Stream {
  constructor(mid, prefix) {
    this.mid = mid;
    this.prefix = prefix;
    this.j = 0;
    this.w = 4; // words used of the current block
    this.block = new Uint8Array(32);
    this.s = new Sha256();
    this.ctr = new Uint8Array(4);
  }
  next() {
    if (this.w === 4) {
      const j = this.j++;
      this.ctr[0] = j >>> 24; this.ctr[1] = j >>> 16; this.ctr[2] = j >>> 8; this.ctr[3] = j;
      this.s.copyFrom(this.mid).update(this.prefix).update(this.ctr).final(this.block);
      this.w = 0;
    }
    return word64(this.block, this.w++);
  }
  // Uniform below m without modulo bias (5.5).
  below(m) {
    const M = BigInt(m), r = (1n << 64n) % M, lim = (1n << 64n) - r;
    for (;;) {
      const w = this.next();
      if (w < lim) return Number(w % M);
    }
  }
}

// Partial Fisher-Yates: t of c (an array it may reorder), in draw order.
function drawFrom(c, t, stream) {
  const m = c.length;
  for (let i = 0; i < t; i++) {
    const j = i + stream.below(m - i);
    const tmp = c[i]; c[i] = c[j]; c[j] = tmp;
  }
  return c.slice(0, t);
}

function concat(a, b) {
  const o = new Uint8Array(a.length + b.length);
  o.set(a); o.set(b, a.length);
  return o;
}

// 5.3 and 5.4 over a pool: one pass keeping the k smallest (score, id) per
// stratum in a bounded heap, then the drawn objects in visit order. excluded
// is a Map or Set of object indexes; n and k are per stratum.
function selectCore(R, op, excluded, n, k) {
  const S = op.strata.length;
  const shi = new Uint32Array(op.count), slo = new Uint32Array(op.count);
  const heaps = k.map((kk) => makeHeap(kk, op, shi, slo));
  const mid = keyedState(TAG.score, R), st = new Sha256(), h = new Uint8Array(32);
  for (let i = 0; i < op.count; i++) {
    const s = op.stratum(i);
    if (k[s] === 0 || excluded.has(i)) continue;
    st.copyFrom(mid).update(op.str8(i)).final(h);
    shi[i] = hi32(h); slo[i] = lo32(h);
    heaps[s].offer(i);
  }
  const strata = [];
  const order = [];
  for (let s = 0; s < S; s++) {
    const e = { name: op.strata[s], n: n[s], k: k[s] };
    if (k[s] > 0) {
      const top = heaps[s].items[0];
      e.cutoffScore = (BigInt(shi[top]) << 32n) | BigInt(slo[top]);
      e.cutoffId = op.id(top);
      for (const i of heaps[s].items) order.push(i);
    }
    strata.push(e);
  }
  // 5.4: visit order by (order(x), x).
  const omid = keyedState(TAG.order, R);
  const ohi = new Map(), olo = new Map();
  for (const i of order) {
    st.copyFrom(omid).update(op.str8(i)).final(h);
    ohi.set(i, hi32(h)); olo.set(i, lo32(h));
  }
  order.sort((a, b) => {
    if (ohi.get(a) !== ohi.get(b)) return ohi.get(a) - ohi.get(b);
    if (olo.get(a) !== olo.get(b)) return olo.get(a) - olo.get(b);
    const oa = op.off[a], ob = op.off[b];
    return cmpBytes(op.bytes, oa + 1, op.bytes[oa], op.bytes, ob + 1, op.bytes[ob]);
  });
  return { strata, order, shi, slo, ohi, olo };
}

// The selection alone (5.2 to 5.4), for a page that has the object pool, the
// objects' exclusions, the rules and R but not the people: the public files
// of a draw name no officer. objects: SJOP bytes or a decoded pool;
// excluded: identifiers (strings) or {id} records; rules: per stratum of the
// pool, in its order, {stratum, kind: 'ratio' | 'count' (or 1 | 2), num,
// den, count}; rounding: 'ceil' | 'floor' | 'half-up' (or 1 | 2 | 3);
// slotSize (optional) gives each pick its slot.
export function selectObjects({ R, objects, excluded = [], rules, rounding, slotSize }) {
  checkLen(R, 32, 'R');
  const op = decodeObjectPool(objects);
  const rd = typeof rounding === 'string' ? { ceil: 1, floor: 2, 'half-up': 3 }[rounding] : rounding;
  if (![1, 2, 3].includes(rd)) throw einval(`rounding ${rounding} is not ceil, floor or half-up`);
  if (!Array.isArray(rules) || rules.length !== op.strata.length) throw einval(`rules: ${op.strata.length} expected, one per stratum of the pool`);
  const rs = rules.map((r, s) => {
    if (r.stratum !== op.strata[s]) throw einval(`R7: rule ${s} is for ${r.stratum}, the pool's stratum ${s} is ${op.strata[s]}`);
    const kind = r.kind === 'ratio' ? 1 : r.kind === 'count' ? 2 : r.kind;
    if (kind === RULE.RATIO) {
      if (!(Number.isInteger(r.num) && Number.isInteger(r.den) && r.den >= 1 && r.den <= LIMITS.maxDen && r.num >= 0 && r.num <= r.den)) throw einval(`rule ${r.stratum}: ratio ${r.num}/${r.den} is not 0..1 with a denominator of 1..${LIMITS.maxDen}`);
      return { stratum: r.stratum, kind, num: r.num, den: r.den };
    }
    if (kind === RULE.COUNT) {
      if (!(Number.isInteger(r.count) && r.count >= 0 && r.count <= LIMITS.maxObjects)) throw einval(`rule ${r.stratum}: count ${r.count} is not 0..${LIMITS.maxObjects}`);
      return { stratum: r.stratum, kind, count: r.count };
    }
    throw einval(`rule ${r.stratum}: kind ${r.kind} is neither ratio nor count`);
  });
  const ex = new Set();
  for (const e of excluded) {
    const id = typeof e === 'string' ? e : e.id;
    const i = op.find(checkIdent(id, 'excluded object'));
    if (i < 0) throw einval(`R6: the exclusion of object ${id} names no object of the pool`);
    ex.add(i);
  }
  const n = new Array(op.strata.length).fill(0);
  for (let i = 0; i < op.count; i++) if (!ex.has(i)) n[op.stratum(i)]++;
  const k = rs.map((r, s) => {
    if (r.kind === RULE.COUNT && r.count > n[s]) throw erange(`R7: stratum ${r.stratum} asks for a fixed count of ${r.count} and has ${n[s]} eligible objects`);
    return stratumCount(r, n[s], rd);
  });
  const c = selectCore(R, op, ex, n, k);
  const picks = c.order.map((i, pos) => {
    const p = {
      id: op.id(i), stratum: op.stratum(i),
      score: (BigInt(c.shi[i]) << 32n) | BigInt(c.slo[i]),
      order: (BigInt(c.ohi.get(i)) << 32n) | BigInt(c.olo.get(i)),
      position: pos,
    };
    if (slotSize) p.slot = Math.floor(pos / slotSize);
    return p;
  });
  return { R, strata: c.strata, picks, objects: op, excludedIndexes: ex };
}

// The derivation of docs/draw-spec.md section 5 from the inputs, the three
// pools (encodings as Uint8Array, or what the decoders returned), the seed,
// the entry hash E of the commitment entry and the beacon values in the
// committed order. Returns the result encoding (result, resultHash) and every
// step a reader may want to show.
export function derive(inputs, objects, officers, experts, seed, entryHash, beaconValues) {
  const d = checkPrepared(prepare(inputs, objects, officers, experts));
  const { x, op, of, ex, k } = d;
  const R = randomness(seed, entryHash, x, beaconValues);

  const { strata, order: picks, shi, slo, ohi, olo } = selectCore(R, op, d.objExcluded, d.n, k);

  // 5.5 / 5.8: teams in visit order, experts alongside.
  const joint = d.teamAgencies.length > 0;
  const offMid = keyedState(joint ? TAG.agencyOfficers : TAG.officers, R);
  const exMid = keyedState(TAG.experts, R);
  const out = [];
  let slot = -1, used = new Set();
  picks.forEach((i, pos) => {
    const s = op.stratum(i), rule = x.rules[s];
    const q = Math.floor(pos / x.slotSize);
    if (q !== slot) { slot = q; used = new Set(); }
    const conf = d.offConflicts.get(i);
    const base = d.offQual[s].list.filter((p) => !(conf && conf.has(p)) && (x.repeatInSlot || !used.has(p)));
    const idb = op.str8(i);
    let team = [];
    const parts = [];
    if (joint) {
      for (const g of d.teamAgencies) {
        const c = base.filter((p) => of.people[p].agency === g);
        const part = drawFrom(c, x.teamSize, new Stream(offMid, concat(idb, str8(of.agencies[g]))));
        parts.push({ agency: of.agencies[g], officers: part.map((p) => of.people[p].id) });
        team = team.concat(part);
      }
    } else {
      team = drawFrom(base, x.teamSize, new Stream(offMid, idb));
    }
    for (const p of team) used.add(p);
    let experts = [];
    if (rule.experts > 0) {
      const ec = d.exConflicts.get(i);
      const c = d.exQual[s].list.filter((p) => !(ec && ec.has(p)));
      experts = drawFrom(c, rule.experts, new Stream(exMid, idb)).map((p) => ex.people[p].id);
    }
    const pick = {
      id: op.id(i),
      stratum: s,
      score: (BigInt(shi[i]) << 32n) | BigInt(slo[i]),
      order: (BigInt(ohi.get(i)) << 32n) | BigInt(olo.get(i)),
      position: pos,
      slot: q,
      officers: team.map((p) => of.people[p].id),
      experts,
    };
    if (joint) pick.parts = parts;
    out.push(pick);
  });

  const draw = {
    inputsHash: x.hash,
    R,
    strata,
    picks: out,
    teamSize: x.teamSize,
    slotSize: x.slotSize,
    teamAgencies: x.teamAgencies.slice(),
  };
  draw.result = encodeResult(draw);
  draw.resultHash = resultHash(draw.result);
  draw.inputs = x;
  draw.objects = op;
  return draw;
}

// ---------------------------------------------------------------- 6 the result

export function encodeResult(r) {
  const w = new Writer(1024);
  w.bytes(ASCII.encode('SJDR')).u8(VERSION).bytes(checkLen(r.inputsHash, 32, 'inputs hash')).bytes(checkLen(r.R, 32, 'R'));
  w.u16(r.strata.length);
  for (const s of r.strata) {
    w.str8(s.name).u32(s.n).u32(s.k);
    if (s.k > 0) w.u64(s.cutoffScore).str8(s.cutoffId);
  }
  w.u32(r.picks.length);
  for (const p of r.picks) {
    w.str8(p.id).u8(p.stratum).u64(p.score).u64(p.order);
    w.u8(p.officers.length);
    for (const o of p.officers) w.str8(o);
    w.u8(p.experts.length);
    for (const e of p.experts) w.str8(e);
  }
  if (r.teamAgencies && r.teamAgencies.length) {
    w.u8(r.teamAgencies.length);
    for (const a of r.teamAgencies) w.str8(a);
  }
  return w.done();
}

export function resultHash(bytes) {
  return taggedHash(TAG.result, bytes);
}

// Decodes a result as published. The slot of a pick needs the slot size,
// which is in the inputs, and a joint team's split needs the team size: pass
// them when known ({slotSize, teamSize}); otherwise the team size of a joint
// result is its team length divided by the number of agencies.
export function decodeResult(bytes, opts = {}) {
  if (!(bytes instanceof Uint8Array)) throw einval('result: must be a Uint8Array');
  const r = new Reader(bytes, 'result');
  readMagic(r, 'SJDR');
  const out = { inputsHash: r.bytes(32, 'inputs hash'), R: r.bytes(32, 'R'), strata: [], picks: [] };
  const S = r.u16('number of strata');
  if (S < 1 || S > LIMITS.maxStrata) throw einval(`result: ${S} strata, not 1..${LIMITS.maxStrata}`);
  for (let s = 0; s < S; s++) {
    const e = { name: r.name(`stratum ${s} name`) };
    e.n = r.u32(`stratum ${e.name} n`);
    e.k = r.u32(`stratum ${e.name} k`);
    if (e.k > e.n) throw einval(`result: stratum ${e.name}: k ${e.k} is above n ${e.n}`);
    if (e.k > 0) {
      e.cutoffScore = r.u64(`stratum ${e.name} cutoff score`);
      e.cutoffId = r.ident(`stratum ${e.name} cutoff id`);
    }
    out.strata.push(e);
  }
  const K = r.u32('number of drawn objects');
  const want = out.strata.reduce((a, s) => a + s.k, 0);
  if (K !== want) throw einval(`result: ${K} drawn objects where the strata's counts sum to ${want}`);
  for (let i = 0; i < K; i++) {
    const p = { id: r.ident(`pick ${i} id`) };
    p.stratum = r.u8(`pick ${p.id} stratum`);
    if (p.stratum >= S) throw einval(`result: pick ${p.id}: stratum index ${p.stratum} is not below ${S}`);
    p.score = r.u64(`pick ${p.id} score`);
    p.order = r.u64(`pick ${p.id} order key`);
    p.position = i;
    if (opts.slotSize) p.slot = Math.floor(i / opts.slotSize);
    const t = r.u8(`pick ${p.id} officers`);
    p.officers = [];
    for (let j = 0; j < t; j++) p.officers.push(r.ident(`pick ${p.id} officer ${j}`));
    const e = r.u8(`pick ${p.id} experts`);
    p.experts = [];
    for (let j = 0; j < e; j++) p.experts.push(r.ident(`pick ${p.id} expert ${j}`));
    out.picks.push(p);
  }
  out.teamAgencies = [];
  if (r.p < bytes.length) {
    const A = r.u8('number of team agencies');
    if (A < 1 || A > LIMITS.maxTeamAgencies) throw einval(`result: ${A} team agencies, not 1..${LIMITS.maxTeamAgencies}`);
    for (let g = 0; g < A; g++) out.teamAgencies.push(r.ident(`team agency ${g}`));
    for (const p of out.picks) {
      const ts = opts.teamSize || p.officers.length / A;
      if (!Number.isInteger(ts) || ts * A !== p.officers.length) throw einval(`result: pick ${p.id}: ${p.officers.length} officers do not split into ${A} parts`);
      p.parts = out.teamAgencies.map((agency, g) => ({ agency, officers: p.officers.slice(g * ts, (g + 1) * ts) }));
    }
  }
  r.end();
  out.bytes = bytes;
  out.hash = resultHash(bytes);
  return out;
}

// ---------------------------------------------------------------- what a page calls

// The whole check a page can make without trusting the server: the seed
// opens the commitment, and the derivation from the published documents
// gives the published result byte for byte. Returns the derivation.
// args: {inputs, objects, officers, experts, seed, commitment, entryHash,
// beaconValues, result}; the commitment and result are optional.
export function verifyDraw(args) {
  if (args.commitment !== undefined && !checkSeed(args.seed, args.commitment)) {
    throw everify('the seed does not open the commitment');
  }
  const d = derive(args.inputs, args.objects, args.officers, args.experts, args.seed, args.entryHash, args.beaconValues);
  if (args.result !== undefined) {
    const a = d.result, b = args.result;
    if (!(b instanceof Uint8Array)) throw einval('result: must be a Uint8Array');
    if (!bytesEqual(a, b)) {
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      throw everify(`the published result differs from the derivation at byte ${i} (published ${b.length} bytes, derived ${a.length})`);
    }
  }
  return d;
}

// The public check of a draw's selection, from the files a portal publishes
// (no officers): the seed opens the commitment (when given), R recomputes
// from the seed, E, the inputs hash and the beacon rounds, and the counts,
// cutoffs and drawn objects recompute from R over the pool. Each published
// value given is compared and the first that does not hold is named
// (EVERIFY). args: {seed, commitment?, entryHash, inputsHash, beacons:
// [{source, round, value}], objects, excluded, rules, rounding, slotSize?,
// R?, strata?: [{name, n, k, cutoffScore, cutoffId}], drawn?: [{id,
// stratum?, score?, slot?}] in visit order}. Returns the selection.
// A published u64: a BigInt, or 16 hex digits as the result and the vectors print it.
function u64Of(v, what) {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' && /^[0-9a-f]{16}$/.test(v)) return BigInt('0x' + v);
  throw einval(`${what}: a BigInt or 16 lowercase hex digits expected`);
}

export function verifySelection(args) {
  if (args.commitment !== undefined && !checkSeed(args.seed, args.commitment)) throw everify('the seed does not open the commitment');
  const R = randomnessFromHash(args.seed, args.entryHash, args.inputsHash, args.beacons);
  if (args.R !== undefined && !bytesEqual(R, args.R)) throw everify('the published R is not the one the seed, the entry hash, the inputs hash and the beacon values give');
  const sel = selectObjects({ R, objects: args.objects, excluded: args.excluded, rules: args.rules, rounding: args.rounding, slotSize: args.slotSize });
  if (args.strata !== undefined) {
    if (args.strata.length !== sel.strata.length) throw everify(`${args.strata.length} published strata, the pool has ${sel.strata.length}`);
    sel.strata.forEach((g, s) => {
      const w = args.strata[s];
      if (w.name !== g.name) throw everify(`published stratum ${s} is ${w.name}, the pool's is ${g.name}`);
      if (w.n !== undefined && w.n !== g.n) throw everify(`stratum ${g.name}: ${w.n} eligible objects published, ${g.n} recomputed`);
      if (w.k !== undefined && w.k !== g.k) throw everify(`stratum ${g.name}: ${w.k} drawn published, ${g.k} recomputed`);
      if (g.k > 0 && w.cutoffScore !== undefined && u64Of(w.cutoffScore, `stratum ${g.name} cutoff score`) !== g.cutoffScore) throw everify(`stratum ${g.name}: the published cutoff score is not the recomputed one`);
      if (g.k > 0 && w.cutoffId !== undefined && w.cutoffId !== g.cutoffId) throw everify(`stratum ${g.name}: the published cutoff is ${w.cutoffId}, recomputed ${g.cutoffId}`);
    });
  }
  if (args.drawn !== undefined) {
    if (args.drawn.length !== sel.picks.length) throw everify(`${args.drawn.length} drawn objects published, ${sel.picks.length} recomputed`);
    sel.picks.forEach((p, i) => {
      const w = args.drawn[i];
      if (w.id !== p.id) throw everify(`drawn object ${i} in visit order: ${w.id} published, ${p.id} recomputed`);
      if (w.stratum !== undefined && w.stratum !== p.stratum && w.stratum !== sel.strata[p.stratum].name) throw everify(`${p.id}: published in another stratum`);
      if (w.score !== undefined && u64Of(w.score, `${p.id} score`) !== p.score) throw everify(`${p.id}: the published score is not its own`);
      if (w.slot !== undefined && p.slot !== undefined && w.slot !== p.slot) throw everify(`${p.id}: published in slot ${w.slot}, recomputed ${p.slot}`);
    });
  }
  return sel;
}

// One business's own check (5.7): in which stratum it is, its score, the
// stratum's cutoff, whether it is drawn, and if excluded why. The score is
// recomputed from R and the identifier, never read from what was published,
// and the published list of drawn objects must agree with the cutoff rule.
// draw is one of:
//   - what derive or verifyDraw returned;
//   - {result, inputs, objects}: the result (bytes or decoded), the inputs
//     and the object pool as published;
//   - what selectObjects returned, with exclusions: [{id, reason, note}]
//     (the public files' object exclusions) for the reasons.
export function checkEntity(draw, id) {
  checkIdent(id, 'identifier');
  if (!draw || typeof draw !== 'object') throw einval('checkEntity: needs a derivation, a selection, or {result, inputs, objects}');
  const x = draw.inputs ? decodeInputs(draw.inputs) : null;
  const op = decodeObjectPool(draw.objects);
  if (x && !bytesEqual(op.hash, x.objectPoolHash)) throw einval('the object pool is not the one the inputs name (hash differs)');
  const res = draw.picks && draw.R ? draw
    : draw.result instanceof Uint8Array ? decodeResult(draw.result, x ? { slotSize: x.slotSize, teamSize: x.teamSize } : {})
      : draw.result;
  if (!res || !res.picks || !res.R || !res.strata) throw einval('checkEntity: needs a derivation, a selection, or {result, inputs, objects}');
  if (x && res.inputsHash && !bytesEqual(res.inputsHash, x.hash)) throw einval('the result is not of these inputs (inputs hash differs)');
  if (res.strata.length !== op.strata.length) throw einval('the result and the object pool have different strata');
  const slotSize = x ? x.slotSize : draw.slotSize;

  const i = op.find(id);
  if (i < 0) return { id, inPool: false, drawn: false, why: 'not in the object pool of this draw' };
  const s = op.stratum(i);
  const st = res.strata[s];
  const sc = score(res.R, id);
  const out = {
    id,
    inPool: true,
    stratum: op.strata[s],
    stratumIndex: s,
    score: sc,
    scoreHex: sc.toString(16).padStart(16, '0'),
    n: st.n,
    k: st.k,
    cutoff: st.k > 0 ? { score: st.cutoffScore, scoreHex: st.cutoffScore.toString(16).padStart(16, '0'), id: st.cutoffId } : null,
    excluded: null,
    drawn: false,
  };
  let e = null;
  if (x) e = x.exclusions.find((z) => z.kind === KIND.OBJECT && z.id === id) || null;
  else if (Array.isArray(draw.exclusions)) {
    const z = draw.exclusions.find((w) => (typeof w === 'string' ? w : w.id) === id);
    if (z) e = typeof z === 'string' ? { reason: null } : { reason: reasonCode(z.reason) ?? z.reason ?? null, noteText: z.noteText ?? z.note ?? '' };
  } else if (draw.excludedIndexes && draw.excludedIndexes.has(i)) e = { reason: null };
  if (e) {
    const text = typeof e.reason === 'number' ? REASONS[e.reason] : e.reason;
    out.excluded = { reason: e.reason, word: typeof e.reason === 'number' ? REASON_WORDS[e.reason - 1] : null, reasonText: text || 'excluded', note: e.noteText || '' };
  }
  if (!e && st.k > 0) {
    const c = sc < st.cutoffScore ? -1 : sc > st.cutoffScore ? 1 : cmpStr(id, st.cutoffId);
    out.drawn = c <= 0;
  }
  out.why = e ? `excluded: ${out.excluded.reasonText}${out.excluded.note ? ' — ' + out.excluded.note : ''}`
    : st.k === 0 ? `stratum ${op.strata[s]} draws nothing (k = 0)`
      : out.drawn ? `drawn: (score, id) is at or below the cutoff of stratum ${op.strata[s]}`
        : `not drawn: (score, id) is above the cutoff of stratum ${op.strata[s]}`;
  // The published list must agree with the cutoff rule; if it does not, it
  // is not a derivation of the spec and the page must say so.
  const pick = res.picks.find((p) => p.id === id);
  if (!!pick !== out.drawn) throw everify(`the published list ${pick ? 'holds' : 'lacks'} ${id}, but its score and the cutoff say it is ${out.drawn ? '' : 'not '}drawn`);
  if (pick) {
    if (pick.score !== sc) throw everify(`the published list gives ${id} a score other than its own`);
    if (pick.stratum !== s) throw everify(`the published list puts ${id} in another stratum`);
    out.visit = { position: pick.position };
    if (slotSize) out.visit.slot = Math.floor(pick.position / slotSize);
    if (pick.officers) out.visit.officers = pick.officers;
    if (pick.experts) out.visit.experts = pick.experts;
    if (pick.parts) out.visit.parts = pick.parts;
  }
  return out;
}
