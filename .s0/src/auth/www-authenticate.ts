export interface ChallengeParams {
  resourceMetadata: string;
  error?: string;
  errorDescription?: string;
  scopes?: string[];
}

/** RFC 6750 §3 / RFC 9728 §5.1 challenge. Attribute values are quoted-strings, so quotes and backslashes are dropped. */
export function bearerChallenge(params: ChallengeParams): string {
  const attributes: string[] = [];
  if (params.error) attributes.push(`error="${quote(params.error)}"`);
  if (params.errorDescription) attributes.push(`error_description="${quote(params.errorDescription)}"`);
  if (params.scopes && params.scopes.length > 0) attributes.push(`scope="${quote(params.scopes.join(' '))}"`);
  attributes.push(`resource_metadata="${quote(params.resourceMetadata)}"`);
  return `Bearer ${attributes.join(', ')}`;
}

function quote(value: string): string {
  return value.replace(/[^\x20-\x7e]|["\\]/g, '');
}
