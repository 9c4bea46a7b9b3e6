import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ExtractJwt, Strategy } from 'passport-jwt';

import { AuthenticatedUser, scopesFromClaims } from '../../common/authenticated-user';
import { decodeJwtSegment } from '../../common/decode';
import { authConfig } from '../../config/auth.config';
import { AuthErrorCode, AuthException } from '../auth.exception';
import { SigningKeyStore } from '../signing-key.store';

/**
 * passport-jwt with keys from the issuer's JWKS. jsonwebtoken enforces the algorithm allow-list (again
 * after the guard's classification, so the strategy is safe on its own), the exact issuer, the audience (string or array) and exp/nbf with the configured tolerance.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    keys: SigningKeyStore,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: (
        _req: Request,
        rawJwt: string,
        done: (err: unknown, key?: string | Buffer) => void,
      ) => {
        // JwtAuthGuard has classified the token already; only the key id and algorithm are needed here.
        const header = decodeJwtSegment(rawJwt.split('.')[0]) ?? {};
        const { kid, alg } = header;
        keys
          .keyFor(typeof kid === 'string' ? kid : undefined, typeof alg === 'string' ? alg : undefined)
          .then(
            // jsonwebtoken accepts a KeyObject; the typings only name string | Buffer.
            (key) => done(null, key as unknown as Buffer),
            (error) => done(error),
          );
      },
      issuer: config.issuer,
      audience: config.audience,
      algorithms: config.algorithms as never,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: config.clockToleranceS },
    });
  }

  validate(payload: Record<string, unknown>): AuthenticatedUser {
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
      throw new AuthException(AuthErrorCode.TOKEN_NO_SUB, 'The access token has no "sub" claim');
    }
    if (typeof payload.exp !== 'number') {
      throw new AuthException(
        AuthErrorCode.TOKEN_CLAIMS_INVALID,
        'The access token has no numeric "exp" claim',
      );
    }
    // jsonwebtoken checks `iat` only for maxAge; a token issued in the future is refused like one not valid yet.
    if (payload.iat !== undefined && typeof payload.iat !== 'number') {
      throw new AuthException(AuthErrorCode.TOKEN_CLAIMS_INVALID, 'The "iat" claim must be a number');
    }
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + this.config.clockToleranceS) {
      throw new AuthException(
        AuthErrorCode.TOKEN_NOT_YET_VALID,
        'The access token was issued in the future ("iat")',
      );
    }
    if (payload.scope !== undefined && typeof payload.scope !== 'string') {
      throw new AuthException(
        AuthErrorCode.TOKEN_CLAIMS_INVALID,
        'The "scope" claim must be a space-delimited string',
      );
    }
    const clientId = payload.client_id ?? payload.azp;
    return {
      sub: payload.sub,
      scopes: scopesFromClaims(payload),
      exp: payload.exp,
      clientId: typeof clientId === 'string' ? clientId : undefined,
      claims: payload,
    };
  }
}
