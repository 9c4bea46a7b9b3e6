/** Options for class-validator's @IsUrl on every URL variable: absolute http(s), single-label hosts allowed. */
export const HTTP_URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
