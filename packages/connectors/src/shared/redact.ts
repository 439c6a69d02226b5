/**
 * URLs as they may appear in error messages and logs: without `user:password@` and without the
 * query string (a provider's `next` link or an API key parameter may hold a secret). Issue 17:
 * a base URL with credentials leaked its password through fetch's own error message.
 */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const userinfo = u.username !== '' || u.password !== '';
    u.username = '';
    u.password = '';
    const query = u.search !== '';
    u.search = '';
    u.hash = '';
    const out = u.toString();
    return `${userinfo ? out.replace('://', '://[redacted]@') : out}${query ? '?[redacted]' : ''}`;
  } catch {
    return url.replace(/\/\/[^/?#\s]*@/, '//[redacted]@').replace(/\?\S*/, '?[redacted]');
  }
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/** Every URL inside a text (an error message) redacted as by `redactUrl`. */
export const redactUrls = (text: string): string => text.replace(URL_IN_TEXT, (u) => redactUrl(u));
