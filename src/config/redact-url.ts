/** Query parameters that carry secrets in connection URLs (`?password=`, `?sslpassword=`). */
const SECRET_PARAM = /([?&](?:password|pass|pwd|sslpassword|secret|token)=)[^&#]*/gi;

/**
 * `url` with its password replaced by `***`, for messages, logs and the catalog. Works on
 * text, never throws, and keeps everything else as written so the user recognises the URL.
 */
export function redactUrl(url: string): string {
  let out = url;
  const start = out.indexOf('//');
  if (start >= 0) {
    const tail = out.slice(start + 2);
    // The userinfo ends at the last "@" before the path: a password may contain an unencoded "@".
    const pathAt = tail.search(/[/?#]/);
    const authority = pathAt < 0 ? tail : tail.slice(0, pathAt);
    const at = authority.lastIndexOf('@');
    const colon = authority.indexOf(':');
    if (at > 0 && colon >= 0 && colon < at) {
      const redacted = `${authority.slice(0, colon)}:***${authority.slice(at)}`;
      out = out.slice(0, start + 2) + redacted + tail.slice(authority.length);
    }
  }
  return out.replace(SECRET_PARAM, '$1***');
}
