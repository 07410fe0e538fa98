/** Sources end up in check summaries: drop tokens from http(s) URLs and passwords from any URL. */
export function redactUrl(url: string): string {
  return url
    .replace(/^((?:git\+)?https?:\/\/)[^/@?#\s]*@/i, "$1")
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@?#\s]*):[^/@?#\s]*@/i, "$1@");
}
