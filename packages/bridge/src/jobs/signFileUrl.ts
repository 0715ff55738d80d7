import { createHmac, timingSafeEqual } from 'node:crypto';

const sign = (secret: Buffer, jobId: string, name: string, expires: number) =>
  createHmac('sha256', secret).update(`${jobId}/${name}:${expires}`).digest('base64url');

/**
 * A URL path to one result file that works without an API key until it expires (as OpenAI's image URLs do):
 * the HMAC is the capability.
 *
 * @example
 * signFileUrl(secret, 'job_…', '0.png', 3600) // '/v1/files/job_…/0.png?expires=…&signature=…'
 */
export function signFileUrl(secret: Buffer, jobId: string, name: string, lifetimeSeconds: number): string {
  const expires = Math.floor(Date.now() / 1000) + lifetimeSeconds;
  return `/v1/files/${jobId}/${name}?expires=${expires}&signature=${sign(secret, jobId, name, expires)}`;
}

/** Whether a signed file URL's parameters are genuine and not expired. */
export function verifyFileUrl(
  secret: Buffer,
  jobId: string,
  name: string,
  expires: number,
  signature: string,
): boolean {
  if (!Number.isSafeInteger(expires) || expires < Date.now() / 1000) return false;
  const expected = Buffer.from(sign(secret, jobId, name, expires));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
