// The benchmark's generated data, shared by every contestant: side A holds ids
// [0, n), side B holds [n/2, n/2 + n), so exactly n/2 records overlap. Each record is the
// SHA-256 of "bench:<id>" (what normalize + hash produce for a real identifier); psi.js,
// which takes strings, gets the same digests as hex.
import { createHash } from 'node:crypto';

export function digests(first, n) {
  const out = Buffer.alloc(n * 32);
  for (let i = 0; i < n; i++) createHash('sha256').update(`bench:${first + i}`).digest().copy(out, i * 32);
  return out;
}

export function sides(n) {
  const a = digests(0, n);
  const b = digests(Math.floor(n / 2), n);
  return { a, b, overlap: n - Math.floor(n / 2) };
}

export function asHexStrings(buf) {
  const out = new Array(buf.length / 32);
  for (let i = 0; i < out.length; i++) out[i] = buf.subarray(i * 32, i * 32 + 32).toString('hex');
  return out;
}
