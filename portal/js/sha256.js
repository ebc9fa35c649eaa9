// SHA-256 (FIPS 180-4) in plain JavaScript: synchronous, Uint8Array in and
// out, with an incremental init/update/final interface and copyable state so
// that a caller can absorb a fixed 64-byte prefix once and continue from that
// midstate many times (the draw's keyed hashes do this per object).
//
// Written from FIPS 180-4 sections 4.1.2, 4.2.2, 5.1.1, 5.3.3 and 6.2. It is
// synchronous on purpose: WebCrypto's digest is asynchronous and has no
// midstates, and a verifier hashing millions of identifiers cannot afford a
// promise per hash.

// FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube
// roots of the first 64 primes.
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// FIPS 180-4 5.3.3: the initial hash value.
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

// One message schedule shared by every compression: the function never
// re-enters, and allocating 256 bytes per block would dominate small hashes.
const W = new Uint32Array(64);

// FIPS 180-4 6.2.2: process the 64-byte block at p[off..off+64) into h.
function compress(h, p, off) {
  for (let t = 0; t < 16; t++) {
    const i = off + 4 * t;
    W[t] = (p[i] << 24) | (p[i + 1] << 16) | (p[i + 2] << 8) | p[i + 3];
  }
  for (let t = 16; t < 64; t++) {
    const w15 = W[t - 15], w2 = W[t - 2];
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
  }
  let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (hh + S1 + ch + K[t] + W[t]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    hh = g; g = f; f = e; e = (d + t1) | 0;
    d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
}

function asBytes(data, what) {
  if (data instanceof Uint8Array) return data;
  if (typeof data === 'string') {
    throw new TypeError(`sha256: ${what} is a string; encode it to a Uint8Array first ` +
      '(TextEncoder for UTF-8) so that the bytes hashed are never a guess');
  }
  throw new TypeError(`sha256: ${what} must be a Uint8Array, not ${Object.prototype.toString.call(data)}`);
}

export class Sha256 {
  constructor() {
    this.h = new Int32Array(H0);
    this.buf = new Uint8Array(64);
    this.bufLen = 0;
    // Total bytes absorbed; a Number is exact up to 2^53 bytes, far beyond
    // anything a page hashes (FIPS allows up to 2^64 bits).
    this.total = 0;
    this.done = false;
  }

  // A copy of this state, to continue from a midstate without disturbing it.
  clone() {
    const c = new Sha256();
    c.h.set(this.h);
    c.buf.set(this.buf);
    c.bufLen = this.bufLen;
    c.total = this.total;
    c.done = this.done;
    return c;
  }

  // Makes this state equal to another (no allocation; for hot loops).
  copyFrom(o) {
    this.h.set(o.h);
    this.buf.set(o.buf);
    this.bufLen = o.bufLen;
    this.total = o.total;
    this.done = o.done;
    return this;
  }

  update(data) {
    if (this.done) throw new Error('sha256: update after final; clone the state before finishing');
    const p = asBytes(data, 'update input');
    let off = 0;
    const n = p.length;
    this.total += n;
    if (this.bufLen > 0) {
      const take = Math.min(64 - this.bufLen, n);
      this.buf.set(p.subarray(0, take), this.bufLen);
      this.bufLen += take;
      off = take;
      if (this.bufLen < 64) return this;
      compress(this.h, this.buf, 0);
      this.bufLen = 0;
    }
    while (n - off >= 64) {
      compress(this.h, p, off);
      off += 64;
    }
    if (off < n) {
      this.buf.set(p.subarray(off), 0);
      this.bufLen = n - off;
    }
    return this;
  }

  // FIPS 180-4 5.1.1: append 0x80, zeros, and the bit length as 64 bits.
  // Writes the 32-byte digest into out (allocated if absent) and returns it.
  final(out) {
    if (this.done) throw new Error('sha256: final called twice');
    this.done = true;
    const bits = this.total * 8;
    const b = this.buf;
    let i = this.bufLen;
    b[i++] = 0x80;
    if (i > 56) {
      b.fill(0, i, 64);
      compress(this.h, b, 0);
      i = 0;
    }
    b.fill(0, i, 56);
    const hi = Math.floor(bits / 0x100000000), lo = bits >>> 0;
    b[56] = hi >>> 24; b[57] = hi >>> 16; b[58] = hi >>> 8; b[59] = hi;
    b[60] = lo >>> 24; b[61] = lo >>> 16; b[62] = lo >>> 8; b[63] = lo;
    compress(this.h, b, 0);
    const o = out || new Uint8Array(32);
    if (!(o instanceof Uint8Array) || o.length < 32) throw new TypeError('sha256: output must be a Uint8Array of at least 32 bytes');
    for (let k = 0; k < 8; k++) {
      const v = this.h[k];
      o[4 * k] = v >>> 24; o[4 * k + 1] = v >>> 16; o[4 * k + 2] = v >>> 8; o[4 * k + 3] = v;
    }
    return o;
  }
}

// SHA-256 of the concatenation of the given byte arrays.
export function sha256(...parts) {
  const s = new Sha256();
  for (const p of parts) s.update(p);
  return s.final();
}
