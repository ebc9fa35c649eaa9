// RFC 9162 (CT 2.0) section 2.1 Merkle trees as docs/proofs.md describes
// them: leaf and node hashes, the tree hash, inclusion and consistency
// proofs (generation for tests and small trees, verification for pages),
// and the two proof texts (c2sp.org/tlog-proof@v1 and
// suiji.consistency-proof@v1).
//
// Verification follows the arrangement of docs/proofs.md (after the
// transparency-dev/merkle verifier): the proof's exact length is derived
// from the index and sizes first, so a malformed proof (EINVAL) is told
// apart from a false one (EVERIFY). Sizes and indexes are BigInt: a log's
// size is a u64, beyond what a Number holds exactly.

import { sha256 } from './sha256.js';

export class MerkleError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'MerkleError';
    this.code = code;
  }
}
const einval = (m) => new MerkleError('EINVAL', m);
const everify = (m) => new MerkleError('EVERIFY', m);

export const MAX_PROOF = 128;
export const MAX_PROOF_TEXT = 1048576;
export const MAX_EXTRA = 1024;
const U64_MAX = (1n << 64n) - 1n;
const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

export const leafHash = (data) => sha256(LEAF, data);
export const nodeHash = (left, right) => sha256(NODE, left, right);
export const emptyRoot = () => sha256(new Uint8Array(0));

function u64(v, what) {
  let b;
  if (typeof v === 'bigint') b = v;
  else if (Number.isSafeInteger(v)) b = BigInt(v);
  else throw einval(`${what}: must be a BigInt or a safe integer`);
  if (b < 0n || b > U64_MAX) throw einval(`${what}: ${b} is not a u64`);
  return b;
}

function hash32(h, what) {
  if (!(h instanceof Uint8Array) || h.length !== 32) throw einval(`${what}: must be a 32-byte Uint8Array`);
  return h;
}

// A root is only ever compared for equality, as in the Go verifier: one of
// another length never equals a computed root and equals an identical one.
function root(h, what) {
  if (!(h instanceof Uint8Array)) throw einval(`${what}: must be a Uint8Array`);
  return h;
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

const bitlen = (x) => (x === 0n ? 0 : x.toString(2).length);
const popcount = (x) => { let c = 0; while (x > 0n) { c += Number(x & 1n); x >>= 1n; } return c; };
const ctz = (x) => { let c = 0; while ((x & 1n) === 0n) { c++; x >>= 1n; } return c; };

// The largest power of two strictly below n (n >= 2).
function split(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// MTH over leaf hashes (an array of 32-byte hashes), RFC 9162 2.1.1.
export function treeHash(leaves) {
  if (leaves.length === 0) return emptyRoot();
  if (leaves.length === 1) return leaves[0];
  const k = split(leaves.length);
  return nodeHash(treeHash(leaves.slice(0, k)), treeHash(leaves.slice(k)));
}

// PATH(m, D[n]) over leaf hashes, RFC 9162 2.1.3.1.
export function inclusionProof(m, leaves) {
  const n = leaves.length;
  if (!(m >= 0 && m < n)) throw einval(`inclusion proof: index ${m} is not below size ${n}`);
  if (n === 1) return [];
  const k = split(n);
  if (m < k) return [...inclusionProof(m, leaves.slice(0, k)), treeHash(leaves.slice(k))];
  return [...inclusionProof(m - k, leaves.slice(k)), treeHash(leaves.slice(0, k))];
}

// PROOF(m, D[n]) over leaf hashes, RFC 9162 2.1.4.1.
export function consistencyProof(m, leaves) {
  const sub = (mm, d, b) => {
    const n = d.length;
    if (mm === n) return b ? [] : [treeHash(d)];
    const k = split(n);
    if (mm <= k) return [...sub(mm, d.slice(0, k), b), treeHash(d.slice(k))];
    return [...sub(mm - k, d.slice(k), false), treeHash(d.slice(0, k))];
  };
  if (!(m > 0 && m <= leaves.length)) throw einval(`consistency proof: old size ${m} is not 1..${leaves.length}`);
  return m === leaves.length ? [] : sub(m, leaves, true);
}

// Root from an inclusion proof, docs/proofs.md section 2. Throws EINVAL for
// index >= size or a proof of the wrong length.
export function rootFromInclusionProof(index, size, leaf, proof) {
  const i = u64(index, 'index'), n = u64(size, 'size');
  hash32(leaf, 'leaf hash');
  if (!Array.isArray(proof)) throw einval('proof: must be an array of 32-byte hashes');
  proof.forEach((p, j) => hash32(p, `proof hash ${j}`));
  if (i >= n) throw einval(`index ${i} is not below size ${n}`);
  const inner = bitlen(i ^ (n - 1n));
  const border = popcount(i >> BigInt(inner));
  if (proof.length !== inner + border) {
    throw einval(`inclusion proof of index ${i} in size ${n} has ${proof.length} hashes, not ${inner + border}`);
  }
  let r = leaf;
  for (let j = 0; j < inner; j++) r = (i >> BigInt(j)) & 1n ? nodeHash(proof[j], r) : nodeHash(r, proof[j]);
  for (let j = inner; j < proof.length; j++) r = nodeHash(proof[j], r);
  return r;
}

// True, or throws: EINVAL for a malformed proof, EVERIFY for a false one.
export function verifyInclusion(index, size, leaf, proof, expected) {
  root(expected, 'root');
  const r = rootFromInclusionProof(index, size, leaf, proof);
  if (!equal(r, expected)) throw everify(`inclusion proof of index ${index} does not lead to the root of size ${size}`);
  return true;
}

// True, or throws: EINVAL for a malformed proof or sizes, EVERIFY for a
// false one (docs/proofs.md section 3).
export function verifyConsistency(size1, size2, root1, root2, proof) {
  const m = u64(size1, 'size1'), n = u64(size2, 'size2');
  root(root1, 'root1');
  root(root2, 'root2');
  if (!Array.isArray(proof)) throw einval('proof: must be an array of 32-byte hashes');
  proof.forEach((p, j) => hash32(p, `proof hash ${j}`));
  if (n < m) throw einval(`size2 ${n} is below size1 ${m}`);
  if (m === 0n) throw einval('a consistency proof from the empty tree is meaningless');
  if (m === n) {
    if (proof.length !== 0) throw einval('sizes are equal, so the proof must be empty');
    if (!equal(root1, root2)) throw everify(`two roots for size ${m}: the log forked`);
    return true;
  }
  if (proof.length === 0) throw einval('empty consistency proof');
  const shift = ctz(m);
  const inner = bitlen((m - 1n) ^ (n - 1n)) - shift;
  const border = popcount((m - 1n) >> BigInt(inner + shift));
  let seed, p;
  if (m === 1n << BigInt(shift)) {
    if (proof.length !== inner + border) throw einval(`consistency proof ${m} to ${n} has ${proof.length} hashes, not ${inner + border}`);
    seed = root1; p = proof;
  } else {
    if (proof.length !== 1 + inner + border) throw einval(`consistency proof ${m} to ${n} has ${proof.length} hashes, not ${1 + inner + border}`);
    seed = proof[0]; p = proof.slice(1);
  }
  const mask = (m - 1n) >> BigInt(shift);
  let h1 = seed, h2 = seed;
  for (let j = 0; j < inner; j++) {
    if ((mask >> BigInt(j)) & 1n) { h1 = nodeHash(p[j], h1); h2 = nodeHash(p[j], h2); } else h2 = nodeHash(h2, p[j]);
  }
  for (let j = inner; j < p.length; j++) { h1 = nodeHash(p[j], h1); h2 = nodeHash(p[j], h2); }
  if (!equal(h1, root1)) throw everify(`consistency proof ${m} to ${n} does not lead to the old root`);
  if (!equal(h2, root2)) throw everify(`consistency proof ${m} to ${n} does not lead to the new root`);
  return true;
}

// ---------------------------------------------------------------- base64 (RFC 4648 section 4), canonical only

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64V = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64V[B64.charCodeAt(i)] = i;

export function base64Encode(b) {
  let s = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] || 0) << 8) | (b[i + 2] || 0);
    s += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < b.length ? B64[n & 63] : '=');
  }
  return s;
}

// Decodes padded standard base64 and refuses any other spelling of the
// bytes (stray trailing bits, missing padding, other characters).
export function base64Decode(s, what = 'base64') {
  if (typeof s !== 'string' || s.length % 4 !== 0) throw einval(`${what}: not padded base64 (length ${s && s.length})`);
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const v = [0, 1, 2, 3].map((j) => {
      const c = s.charCodeAt(i + j);
      if (s[i + j] === '=' && i + 4 === s.length && j >= 4 - pad) return 0;
      const x = c < 128 ? B64V[c] : -1;
      if (x < 0) throw einval(`${what}: character ${JSON.stringify(s[i + j])} at ${i + j} is not base64`);
      return x;
    });
    const n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  if (base64Encode(out) !== s) throw einval(`${what}: not the canonical base64 of its bytes`);
  return out;
}

// ---------------------------------------------------------------- proof texts (docs/proofs.md section 5)

function decimal(s, what) {
  if (!/^(0|[1-9][0-9]*)$/.test(s)) throw einval(`${what}: ${JSON.stringify(s)} is not a decimal without sign or leading zero`);
  const v = BigInt(s);
  if (v > U64_MAX) throw einval(`${what}: ${s} is above 2^64 - 1`);
  return v;
}

function proofLines(text, header) {
  if (typeof text !== 'string') throw einval('proof text: must be a string');
  if (new TextEncoder().encode(text).length > MAX_PROOF_TEXT) throw einval(`proof text: more than ${MAX_PROOF_TEXT} bytes`);
  if (text.includes('\r')) throw einval('proof text: holds a carriage return');
  const first = text.indexOf('\n');
  if (first < 0 || text.slice(0, first) !== header) throw einval(`proof text: line 1 is not ${header}`);
  return text.slice(first + 1);
}

// Reads hash lines up to the empty line; returns [hashes, note].
function hashesAndNote(rest, lineNo) {
  const hashes = [];
  for (;;) {
    const nl = rest.indexOf('\n');
    if (nl < 0) throw einval(`proof text: line ${lineNo} does not end in a newline, or no empty line before the checkpoint`);
    const line = rest.slice(0, nl);
    rest = rest.slice(nl + 1);
    if (line === '') break;
    if (line.length !== 44) throw einval(`proof text: line ${lineNo} is not a 44-character hash`);
    hashes.push(base64Decode(line, `proof text: line ${lineNo}`));
    if (hashes.length > MAX_PROOF) throw einval(`proof text: more than ${MAX_PROOF} hashes`);
    lineNo++;
  }
  if (rest === '' || !rest.endsWith('\n')) throw einval('proof text: the checkpoint note is missing or does not end in a newline');
  return [hashes, rest];
}

// c2sp.org/tlog-proof@v1: {extra (Uint8Array or null), index (BigInt), proof, note (string)}.
export function parseInclusionProofText(text) {
  let rest = proofLines(text, 'c2sp.org/tlog-proof@v1');
  let extra = null, line = 2;
  if (rest.startsWith('extra ')) {
    const nl = rest.indexOf('\n');
    if (nl < 0) throw einval('proof text: line 2 does not end');
    extra = base64Decode(rest.slice(6, nl), 'proof text: extra');
    if (extra.length > MAX_EXTRA) throw einval(`proof text: extra of more than ${MAX_EXTRA} bytes`);
    rest = rest.slice(nl + 1);
    line++;
  }
  const nl = rest.indexOf('\n');
  if (nl < 0 || !rest.startsWith('index ')) throw einval(`proof text: line ${line} is not "index <n>"`);
  const index = decimal(rest.slice(6, nl), `proof text: line ${line}`);
  const [proof, note] = hashesAndNote(rest.slice(nl + 1), line + 1);
  return { extra, index, proof, note };
}

// suiji.consistency-proof@v1: {old (BigInt), proof, note}.
export function parseConsistencyProofText(text) {
  const rest = proofLines(text, 'suiji.consistency-proof@v1');
  const nl = rest.indexOf('\n');
  if (nl < 0 || !rest.startsWith('old ')) throw einval('proof text: line 2 is not "old <size>"');
  const old = decimal(rest.slice(4, nl), 'proof text: line 2');
  if (old === 0n) throw einval('proof text: old 0 (a proof from the empty tree is meaningless)');
  const [proof, note] = hashesAndNote(rest.slice(nl + 1), 3);
  return { old, proof, note };
}
