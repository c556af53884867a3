/**
 * Credentials out of what ISR shows: status (isr_status, hence /api/status and /api/events), logs and metric
 * labels. A stream URL may carry `user:pass@` or a token in its query (`?token=…`, `?key=…`, `?auth=…`); these
 * functions replace them with `***` and leave the rest readable (scheme, host, port, path, other parameters).
 */

export const REDACTED = '***';

/** Query parameter names whose value is a secret (compared without case, `-` and `_`). */
const SECRET_PARAM =
  /^(token|accesstoken|authtoken|apitoken|key|apikey|auth|authorization|pass|passwd|password|pwd|secret|clientsecret|sig|signature|credential|credentials|session|sessionid|sid|jwt|bearer|hash)$/;

const isSecretParam = (name: string) => SECRET_PARAM.test(name.toLowerCase().replace(/[-_]/g, ''));

/** A URL inside free text: scheme://… up to white space or a character that cannot end a bare URL in prose. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/** Redacts the userinfo part (`user:pass@` → `***@`) and the values of secret-looking query parameters. */
function redactParsed(text: string): string {
  // Not through `new URL()`: it would normalise (and percent-encode) what it does not need to touch, and it
  // rejects some URLs the text may still hold. Scheme://[userinfo@]rest, the query split off by hand.
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(text);
  if (!m) return text;
  const [, scheme, authority, rest] = m as unknown as [string, string, string, string];
  const at = authority.lastIndexOf('@');
  const host = at >= 0 ? `${REDACTED}@${authority.slice(at + 1)}` : authority;
  return (
    scheme +
    host +
    rest.replace(/([?&;])([^=&#;]+)=([^&#;]*)/g, (all, sep: string, name: string, value: string) => {
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // keep the raw name
      }
      return isSecretParam(decoded) && value !== '' ? `${sep}${name}=${REDACTED}` : all;
    })
  );
}

/** One URL with its credentials replaced by `***` (a string that is not a URL comes back unchanged). */
export function redactUrl(url: string): string {
  return redactParsed(url);
}

/** Every URL inside a message (an error text, a log line) with its credentials replaced by `***`. */
export function redactSecrets(text: string): string {
  return text.replace(URL_IN_TEXT, (u) => {
    // Punctuation closing the sentence or a parenthesis is not part of the URL.
    const tail = /[).,;:!?\]]*$/.exec(u)![0];
    return redactParsed(u.slice(0, u.length - tail.length)) + tail;
  });
}
