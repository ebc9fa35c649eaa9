// C2SP signed notes, tlog-checkpoints and cosignature/v1 as
// docs/signed-notes.md describes them: verifier keys in the Go sumdb/note
// format, the strict note grammar (rules 1 to 8), checkpoint bodies, and
// Ed25519 verification through WebCrypto (crypto.subtle, "Ed25519"), which a
// current browser and Node >= 18.4 both provide. Signatures are always
// checked over the body bytes as received, never over a re-encoding.
//
// Also here: the end-to-end check of a proof text (docs/proofs.md section 6),
// because it needs the note and the Merkle code together.

import { sha256 } from './sha256.js';
import {
  base64Decode, base64Encode, verifyInclusion, verifyConsistency, leafHash,
  parseInclusionProofText, parseConsistencyProofText,
} from './merkle.js';

export class NoteError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'NoteError';
    this.code = code;
  }
}
const einval = (m) => new NoteError('EINVAL', m);

export const NOTE_MAX_SIZE = 65536;
export const NOTE_MAX_SIGS = 100; // lines the overview lists, not a parsing limit
export const TYPE_ED25519 = 0x01;
export const TYPE_COSIG_V1 = 0x04;
const EM_DASH = '\u2014';
const ENC = new TextEncoder();
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

// ---------------------------------------------------------------- WebCrypto

let subtlePromise = null;
// The page's crypto.subtle; in Node 18, where the global is behind a flag,
// node:crypto's webcrypto (imported only when no global exists, so a
// browser never tries to load it).
export function getSubtle() {
  if (!subtlePromise) {
    subtlePromise = globalThis.crypto && globalThis.crypto.subtle
      ? Promise.resolve(globalThis.crypto.subtle)
      : import('node:crypto').then((m) => m.webcrypto.subtle);
  }
  return subtlePromise;
}

async function ed25519Verify(publicKey, signature, message, subtle) {
  const s = subtle || await getSubtle();
  let key;
  try {
    key = await s.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  } catch (e) {
    throw new NoteError('EINVAL', `this browser's WebCrypto cannot import an Ed25519 key (${e.message})`);
  }
  return s.verify({ name: 'Ed25519' }, key, signature, message);
}

// ---------------------------------------------------------------- Ed25519 point check

// docs/signed-notes.md: a verifier key's public key must be a valid point of
// the prime-order group. WebCrypto does not say whether it checks this, so
// it is checked here with BigInt arithmetic: canonical encoding, on the
// curve, not of small order, and L * P is the identity.
const P = (1n << 255n) - 19n;
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const mod = (a) => { const r = a % P; return r < 0n ? r + P : r; };
function pow(b, e) {
  let r = 1n; b = mod(b);
  while (e > 0n) { if (e & 1n) r = mod(r * b); b = mod(b * b); e >>= 1n; }
  return r;
}
const inv = (a) => pow(a, P - 2n);
const D = mod(-121665n * inv(121666n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

// Extended coordinates (X, Y, Z, T), a = -1 twisted Edwards addition.
function add(p, q) {
  const [X1, Y1, Z1, T1] = p, [X2, Y2, Z2, T2] = q;
  const A = mod((Y1 - X1) * (Y2 - X2)), B = mod((Y1 + X1) * (Y2 + X2));
  const C = mod(2n * D * T1 * T2), Dd = mod(2n * Z1 * Z2);
  const E = B - A, F = Dd - C, G = Dd + C, H = B + A;
  return [mod(E * F), mod(G * H), mod(F * G), mod(E * H)];
}
function mul(p, n) {
  let r = [0n, 1n, 1n, 0n];
  let q = p;
  while (n > 0n) { if (n & 1n) r = add(r, q); q = add(q, q); n >>= 1n; }
  return r;
}
const isIdentity = (p) => mod(p[0]) === 0n && mod(p[1] - p[2]) === 0n;

export function isPrimeOrderPoint(pk) {
  if (!(pk instanceof Uint8Array) || pk.length !== 32) return false;
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? pk[i] & 0x7f : pk[i]);
  const sign = pk[31] >> 7;
  if (y >= P) return false;
  const u = mod(y * y - 1n), v = mod(D * y * y + 1n);
  // x = sqrt(u / v) by RFC 8032 5.1.3.
  let x = mod(u * pow(v, 3n) * pow(u * pow(v, 7n), (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 === u) { /* x is a root */ } else if (vx2 === mod(-u)) x = mod(x * SQRT_M1);
  else return false;
  if (x === 0n && sign === 1) return false;
  if (Number(x & 1n) !== sign) x = P - x;
  const pt = [x, y, 1n, mod(x * y)];
  if (isIdentity(mul(pt, 8n))) return false;
  return isIdentity(mul(pt, L));
}

// ---------------------------------------------------------------- names and keys

// Go's unicode.IsSpace: the Latin-1 spaces and the White_Space property.
const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function checkName(name, what) {
  const n = ENC.encode(name).length;
  if (n < 1 || n > 255) throw einval(`${what}: key name of ${n} bytes (1..255)`);
  if (name.includes('+')) throw einval(`${what}: key name holds '+'`);
  if (SPACE.test(name)) throw einval(`${what}: key name holds white space`);
  if (CONTROL.test(name)) throw einval(`${what}: key name holds a control character`);
  // A lone surrogate cannot come from valid UTF-8; a JS string may hold one.
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/.test(name)) {
    throw einval(`${what}: key name is not valid Unicode`);
  }
}

export function keyId(name, type, publicKey) {
  const h = sha256(ENC.encode(name), new Uint8Array([0x0a, type]), publicKey);
  return ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
}

// "<name>+<8 lowercase hex>+<base64(type || 32-byte key)>"
export function parseVerifierKey(text) {
  if (typeof text !== 'string') throw einval('verifier key: must be a string');
  const a = text.indexOf('+');
  if (a < 0) throw einval('verifier key: no "+" after the name');
  const name = text.slice(0, a);
  checkName(name, 'verifier key');
  const hex = text.slice(a + 1, a + 9);
  if (!/^[0-9a-f]{8}$/.test(hex) || text[a + 9] !== '+') throw einval('verifier key: the key ID is not 8 lowercase hex digits followed by "+"');
  const raw = base64Decode(text.slice(a + 10), 'verifier key');
  if (raw.length !== 33) throw einval(`verifier key: ${raw.length} bytes of key, not 33`);
  const type = raw[0];
  if (type !== TYPE_ED25519 && type !== TYPE_COSIG_V1) throw einval(`verifier key: type 0x${type.toString(16).padStart(2, '0')} is neither 0x01 nor 0x04`);
  const publicKey = raw.slice(1);
  if (!isPrimeOrderPoint(publicKey)) throw einval('verifier key: the public key is not a point of the prime-order group');
  const id = parseInt(hex, 16);
  if (keyId(name, type, publicKey) !== id) throw einval(`verifier key: key ID ${hex} does not match the name, type and key`);
  return { name, keyId: id, type, publicKey, text };
}

// ---------------------------------------------------------------- notes

// Parses a note (string or UTF-8 bytes) by rules 1 to 5 of
// docs/signed-notes.md. As c2sp.org/signed-note says, a signature line no
// known key can claim is kept, not refused: one with a bad key name, base64
// that is not canonical or too short ({ok: false}), or a second line by one
// (name, key ID). verifyNote and verifyCosignature are strict for their
// key. This is ledger/note.c's note_parse, line for line.
export function parseNote(input) {
  let bytes;
  if (typeof input === 'string') bytes = ENC.encode(input);
  else if (input instanceof Uint8Array) bytes = input;
  else throw einval('note: must be a string or a Uint8Array');
  if (bytes.length < 1 || bytes.length > NOTE_MAX_SIZE) throw einval(`note: ${bytes.length} bytes (1..${NOTE_MAX_SIZE})`);
  let text;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    throw einval('note: not well-formed UTF-8');
  }
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c < 0x20 && c !== 0x0a) throw einval(`note holds control character 0x${c.toString(16).padStart(2, '0')} at byte ${i}`);
  }
  // The last empty line ends the body (rule 3): find the last "\n\n".
  const cut = text.lastIndexOf('\n\n');
  if (cut < 0) throw einval('note: no empty line before the signatures');
  const body = text.slice(0, cut + 1);
  const sigText = text.slice(cut + 2);
  if (!sigText.endsWith('\n')) throw einval('note: does not end in a newline');
  const lines = sigText.slice(0, -1).split('\n');
  const signatures = [];
  lines.forEach((line, i) => {
    const what = `signature line ${i + 1}`;
    if (!line.startsWith(EM_DASH + ' ')) throw einval(`${what}: does not start with an em dash and a space`);
    const rest = line.slice(2);
    const sp = rest.indexOf(' ');
    if (sp < 0) throw einval(`${what}: no space between key name and signature`);
    const name = rest.slice(0, sp);
    const b64 = rest.slice(sp + 1);
    const s = { name, keyId: null, signature: null, ok: false, line };
    signatures.push(s);
    try {
      checkName(name, what);
    } catch {
      return; // no key has this name: nobody's line
    }
    let blob = null;
    try {
      blob = base64Decode(b64, what);
    } catch {
      blob = null;
    }
    if (blob && blob.length >= 5) {
      s.keyId = ((blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3]) >>> 0;
      s.signature = blob.slice(4);
      s.ok = true;
      return;
    }
    // Malformed: its first 8 characters, when plain base64, still say
    // whose line it claims to be, so that key can refuse it.
    if (/^[A-Za-z0-9+/]{8}/.test(b64)) {
      const h = base64Decode(b64.slice(0, 8), what);
      s.keyId = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
    }
  });
  return { text, body, bodyBytes: ENC.encode(body), signatures };
}

// The one line by key. Two lines by it, or a malformed one, fail the note
// for that key (EVERIFY), so no two readers can disagree on which counts.
function lineFor(note, key, what) {
  const all = note.signatures.filter((s) => s.keyId !== null && s.name === key.name && s.keyId === key.keyId);
  if (all.length === 0) return null;
  if (all.length > 1 || !all[0].ok) throw new NoteError('EVERIFY', `the ${what} by ${key.name} is ${all.length > 1 ? 'not its only line' : 'malformed'}`);
  return all[0];
}

// Resolves to true when the key's line verifies over the body; rejects with
// NoteError ENOENT (no line by this key), EVERIFY (a line that does not
// verify: a forgery or corruption) or EINVAL (a key of the wrong type).
export async function verifyNote(note, key, opts = {}) {
  const n = typeof note === 'string' || note instanceof Uint8Array ? parseNote(note) : note;
  const k = typeof key === 'string' ? parseVerifierKey(key) : key;
  if (k.type !== TYPE_ED25519) throw einval(`key ${k.name}: not an Ed25519 note key (type 0x01)`);
  const s = lineFor(n, k, 'signature');
  if (!s) throw new NoteError('ENOENT', `the note carries no signature by ${k.name}+${k.keyId.toString(16).padStart(8, '0')}`);
  if (s.signature.length !== 64 || !await ed25519Verify(k.publicKey, s.signature, n.bodyBytes, opts.subtle)) {
    throw new NoteError('EVERIFY', `the signature by ${k.name} does not verify`);
  }
  return true;
}

// Resolves to {time} (a BigInt, seconds) when the witness's cosignature/v1
// line verifies; rejects as verifyNote does.
export async function verifyCosignature(note, key, opts = {}) {
  const n = typeof note === 'string' || note instanceof Uint8Array ? parseNote(note) : note;
  const k = typeof key === 'string' ? parseVerifierKey(key) : key;
  if (k.type !== TYPE_COSIG_V1) throw einval(`key ${k.name}: not a cosignature/v1 key (type 0x04)`);
  const s = lineFor(n, k, 'cosignature');
  if (!s) throw new NoteError('ENOENT', `the note carries no cosignature by ${k.name}`);
  if (s.signature.length !== 72) throw new NoteError('EVERIFY', `the cosignature by ${k.name} is ${s.signature.length} bytes, not 72`);
  let time = 0n;
  for (let i = 0; i < 8; i++) time = (time << 8n) | BigInt(s.signature[i]);
  if (time > (1n << 63n) - 1n) throw new NoteError('EVERIFY', `the cosignature by ${k.name} has a time above 2^63 - 1`);
  const msg = new Uint8Array([...ENC.encode(`cosignature/v1\ntime ${time}\n`), ...n.bodyBytes]);
  if (!await ed25519Verify(k.publicKey, s.signature.slice(8), msg, opts.subtle)) {
    throw new NoteError('EVERIFY', `the cosignature by ${k.name} does not verify`);
  }
  return { time };
}

// ---------------------------------------------------------------- checkpoints

// A checkpoint body: {origin, size (BigInt), root (32 bytes), extensions}.
export function parseCheckpoint(body) {
  if (typeof body !== 'string' || !body.endsWith('\n')) throw einval('checkpoint: the body must end in a newline');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f]/.test(body)) throw einval('checkpoint: holds a control character');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw einval('checkpoint: fewer than three lines (origin, size, root)');
  const [origin, sizeText, rootText, ...extensions] = lines;
  const on = ENC.encode(origin).length;
  if (on < 1 || on > 255) throw einval(`checkpoint: origin of ${on} bytes (1..255)`);
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw einval(`checkpoint: tree size ${JSON.stringify(sizeText)} is not a decimal without sign or leading zero`);
  const size = BigInt(sizeText);
  if (size > (1n << 64n) - 1n) throw einval('checkpoint: tree size above 2^64 - 1');
  if (rootText.length !== 44) throw einval('checkpoint: the root is not 44 characters of base64');
  const root = base64Decode(rootText, 'checkpoint root');
  if (root.length !== 32) throw einval('checkpoint: the root is not 32 bytes');
  if (extensions.some((e) => e === '')) throw einval('checkpoint: an empty extension line');
  const extLen = extensions.reduce((a, e) => a + ENC.encode(e).length + 1, 0);
  if (extLen > 4096) throw einval(`checkpoint: extension lines of ${extLen} bytes (at most 4096)`);
  return { origin, size, root, extensions };
}

// Parses and verifies a signed checkpoint under the log's key, and checks its
// origin when one is given. Nothing in the note is trusted before this.
export async function openCheckpoint(noteText, logKey, opts = {}) {
  const n = parseNote(noteText);
  await verifyNote(n, logKey, opts);
  const cp = parseCheckpoint(n.body);
  if (opts.origin !== undefined && cp.origin !== opts.origin) throw einval(`checkpoint: origin ${cp.origin} is not the log's (${opts.origin})`);
  cp.note = n;
  return cp;
}

// docs/proofs.md section 6, steps 1 to 4: the entry is in the log's tree.
// Resolves to the verified checkpoint; rejects with the first failure.
export async function verifyInclusionProofText(proofText, entryBytes, logKey, opts = {}) {
  const p = parseInclusionProofText(proofText);
  const cp = await openCheckpoint(p.note, logKey, opts);
  verifyInclusion(p.index, cp.size, leafHash(entryBytes), p.proof, cp.root);
  return { index: p.index, checkpoint: cp };
}

// docs/proofs.md section 6, step 5: the newer checkpoint in the text extends
// the older one the caller trusts ({size, root}).
export async function verifyConsistencyProofText(proofText, older, logKey, opts = {}) {
  const p = parseConsistencyProofText(proofText);
  if (BigInt(older.size) !== p.old) throw einval(`the proof is from size ${p.old}, the trusted checkpoint has size ${older.size}`);
  const cp = await openCheckpoint(p.note, logKey, opts);
  verifyConsistency(p.old, cp.size, older.root, cp.root, p.proof);
  return { checkpoint: cp };
}

export { base64Decode, base64Encode };
