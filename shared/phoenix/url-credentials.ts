// Credentials written into a URL (http://user:password@host/...) must never be printed or
// recorded: not at start-up, not in an error message, not in a span. fetch() refuses such URLs
// anyway, so the credentials are taken out and sent as a Basic authorization header instead.

/** Replaces the user:password@ of every URL in `text` with ***@ ("http://***@host/v1"). */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi, "$1***@");
}

/** A URL without its credentials, and the `authorization: Basic ...` they amount to (if any). */
export function splitUrlCredentials(url: string): { url: string; authorization?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url: redactUrlCredentials(url) };
  }
  if (!parsed.username && !parsed.password) return { url };
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = "";
  parsed.password = "";
  // URL keeps a trailing slash the input may not have had: keep the input's shape.
  const bare = url.endsWith("/") ? parsed.href : parsed.href.replace(/\/$/, "");
  return { url: bare, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
}
