/**
 * Sent on every answer, errors and the dashboard included. The dashboard and Swagger UI are never framed, so
 * framing is refused outright (clickjacking); `frame-ancestors` is the CSP form, X-Frame-Options the one older
 * browsers read. Only `frame-ancestors` is in the CSP: script and style sources stay as the pages need them.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};
