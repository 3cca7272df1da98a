import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEYLEN = 64;
/** scrypt's cost (N) for new hashes: 16384 takes about 30 ms here, as OWASP suggests for logins. */
export const DEFAULT_SCRYPT_N = 16384;
/** The range a stored or configured N may take: a power of two, cheap enough to verify, not trivial. */
const MIN_N = 1024;
const MAX_N = 1 << 20;

export function validScryptN(n: number): boolean {
  return Number.isInteger(n) && n >= MIN_N && n <= MAX_N && (n & (n - 1)) === 0;
}

function derive(password: string, salt: Buffer, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // scrypt needs 128·N·r bytes; past 32 MB Node asks for maxmem explicitly.
    scrypt(password.normalize('NFKC'), salt, KEYLEN, { N: n, r: 8, p: 1, maxmem: 256 * n * 8 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `scrypt$N$salt$hash`, all base64url: self-describing, so a changed cost applies to new hashes and old ones still verify. */
export async function hashPassword(password: string, n = DEFAULT_SCRYPT_N): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, n);
  return `scrypt$${n}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Constant-time comparison, at the cost the hash was made with; false for a missing or malformed hash. */
export async function verifyPassword(password: string, stored: string | null, n = DEFAULT_SCRYPT_N): Promise<boolean> {
  const parts = stored?.split('$');
  const storedN = Number(parts?.[1]);
  if (!parts || parts.length !== 4 || parts[0] !== 'scrypt' || !validScryptN(storedN)) {
    await derive(password, randomBytes(16), n); // same work either way, so timing tells nothing
    return false;
  }
  const expected = Buffer.from(parts[3], 'base64url');
  const actual = await derive(password, Buffer.from(parts[2], 'base64url'), storedN);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
