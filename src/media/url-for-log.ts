// How a media URL appears in logs and error messages: enough to find the file, without the secrets
// a URL can carry (a user:password@ part, a signed URL's query).

/** `url` without its user:password@ part and with its query cut to `?…`. */
export function urlForLog(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1').replace(/\?[\s\S]*$/, '?…');
}
