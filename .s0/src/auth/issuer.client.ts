import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createPublicKey, KeyObject } from 'node:crypto';
import { JwksClient } from 'jwks-rsa';

import { withoutTrailingSlash } from '../common/url';
import { authConfig } from '../config/auth.config';
import { IssuerHttpClient, IssuerHttpError, IssuerHttpFailure } from './issuer-http.client';

/** The issuer could not be reached or answered something unusable; carries the URL, never a token. */
export class IssuerUnavailableError extends Error {
  constructor(
    readonly url: string,
    readonly detail: string,
    readonly reason?: IssuerHttpFailure,
  ) {
    super(`Issuer endpoint ${url} unavailable: ${detail}`);
    this.name = 'IssuerUnavailableError';
  }
}

/** A key from the issuer's JWKS; `alg` when the JWK names one (the key is then valid for that algorithm only). */
export interface SigningKey {
  key: KeyObject;
  alg?: string;
}

export type IssuerMetadata = Record<string, unknown> & { issuer?: string; jwks_uri?: string };

/** The authorization server as the gateway talks to it: discovery metadata and signing keys. */
@Injectable()
export class IssuerClient {
  private readonly logger = new Logger(IssuerClient.name);
  private cached?: { value: IssuerMetadata; fetchedAt: number };
  private inflight?: Promise<IssuerMetadata>;
  private jwks?: { uri: string; client: JwksClient };

  constructor(
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    private readonly http: IssuerHttpClient,
  ) {}

  /** Discovery metadata, cached for OAUTH_METADATA_TTL_S; a stale copy is served while the issuer is down. */
  async metadata(): Promise<IssuerMetadata> {
    if (this.cached && Date.now() - this.cached.fetchedAt < this.config.metadataTtlMs)
      return this.cached.value;
    this.inflight ??= this.fetchMetadata().finally(() => (this.inflight = undefined));
    try {
      const value = await this.inflight;
      this.cached = { value, fetchedAt: Date.now() };
      return value;
    } catch (error) {
      if (this.cached) {
        this.logger.warn(`Serving cached issuer metadata: ${(error as Error).message}`);
        return this.cached.value;
      }
      throw error;
    }
  }

  /** The JWKS URI without any network call: configured, or from metadata already fetched. */
  knownJwksUri(): string | undefined {
    if (this.config.jwksUri) return this.config.jwksUri;
    const uri = this.cached?.value.jwks_uri;
    return typeof uri === 'string' ? uri : undefined;
  }

  async jwksUri(): Promise<string> {
    if (this.config.jwksUri) return this.config.jwksUri;
    const metadata = await this.metadata();
    if (typeof metadata.jwks_uri !== 'string') {
      throw new IssuerUnavailableError(this.discoveryUrls()[0], 'discovery document has no jwks_uri');
    }
    return metadata.jwks_uri;
  }

  /** An endpoint the operator configured, else the one the discovery document names (`introspection_endpoint`...). */
  async endpoint(field: string, configured?: string): Promise<string> {
    if (configured) return configured;
    const value = (await this.metadata())[field];
    if (typeof value !== 'string') {
      throw new IssuerUnavailableError(this.discoveryUrls()[0], `discovery document has no ${field}`);
    }
    return value;
  }

  /** Fetches the JWKS and turns every signing key into a KeyObject once, so requests never parse PEM. */
  async signingKeys(): Promise<Map<string, SigningKey>> {
    const uri = await this.jwksUri();
    if (this.jwks?.uri !== uri) {
      this.jwks = {
        uri,
        // jwks-rsa only parses the keys; its own request wrapper has no total deadline and no size bound.
        client: new JwksClient({
          jwksUri: uri,
          cache: false,
          rateLimit: false,
          fetcher: async (jwksUri) => (await this.http.json(jwksUri)).body as never,
        }),
      };
    }
    try {
      const keys = await this.jwks.client.getSigningKeys();
      return new Map(
        keys.map((key) => [
          key.kid ?? '',
          { key: createPublicKey(key.getPublicKey()), alg: 'alg' in key ? (key.alg as string) : undefined },
        ]),
      );
    } catch (error) {
      throw error instanceof IssuerHttpError
        ? new IssuerUnavailableError(error.url, error.detail, error.reason)
        : new IssuerUnavailableError(uri, (error as Error).message);
    }
  }

  private discoveryUrls(): string[] {
    const base = withoutTrailingSlash(this.config.issuer);
    return [`${base}/.well-known/openid-configuration`, `${base}/.well-known/oauth-authorization-server`];
  }

  private async fetchMetadata(): Promise<IssuerMetadata> {
    let lastError: IssuerUnavailableError | undefined;
    for (const url of this.discoveryUrls()) {
      try {
        const { body } = await this.http.json(url);
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          lastError = new IssuerUnavailableError(url, 'not a JSON object', 'invalid_json');
          continue;
        }
        return body as IssuerMetadata;
      } catch (error) {
        if (!(error instanceof IssuerHttpError)) throw error;
        lastError = new IssuerUnavailableError(error.url, error.detail, error.reason);
      }
    }
    throw lastError ?? new IssuerUnavailableError(this.config.issuer, 'no discovery document');
  }
}
