/**
 * Typed arrays to and from base64 of their little-endian bytes: a saved forest of a million nodes stays a
 * few megabytes and loads without parsing numbers, and the bytes mean the same on any host.
 */
import { Buffer } from 'node:buffer';

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeInt32(a: Int32Array): string {
  if (LITTLE_ENDIAN_HOST) return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  const view = new DataView(new ArrayBuffer(a.byteLength));
  for (let i = 0; i < a.length; i++) view.setInt32(i * 4, a[i], true);
  return Buffer.from(view.buffer).toString('base64');
}

export function encodeFloat64(a: Float64Array): string {
  if (LITTLE_ENDIAN_HOST) return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  const view = new DataView(new ArrayBuffer(a.byteLength));
  for (let i = 0; i < a.length; i++) view.setFloat64(i * 8, a[i], true);
  return Buffer.from(view.buffer).toString('base64');
}

/** @returns the decoded array, or null when the byte count does not give exactly `length` elements. */
export function decodeInt32(b64: string, length: number): Int32Array | null {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.byteLength !== length * 4) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getInt32(i * 4, true);
  return out;
}

/** @returns the decoded array, or null when the byte count does not give exactly `length` elements. */
export function decodeFloat64(b64: string, length: number): Float64Array | null {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.byteLength !== length * 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}
