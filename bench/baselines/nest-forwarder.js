'use strict';
// The Nest + Express baselines, in plain JavaScript (decorators applied by hand, as tsc would emit them):
//
// - "nest-express" (BASELINE=nest-express): the ceiling of this framework choice. One
//   @Post('tools/:name') route, @Body() through Nest's default body parsers, the body re-serialised to
//   BACKEND_ORIGIN/:name with undici, the backend's JSON answered by Nest. No auth, no logging.
// - "nest-fastify" (BASELINE=nest-fastify): the same route on @nestjs/platform-fastify, to tell how much
//   of the framework's cost is Express's.
// - "naive" (BASELINE=naive): the same route behind the stack a starter project wires the obvious way:
//   passport-jwt with jwks-rsa's passportJwtSecret (the key comes back as a PEM string and jsonwebtoken
//   parses it and verifies RS256 on every request; nothing is cached but the PEM) as a global guard, and a
//   scope guard reading the token's `scope` claim.

require('reflect-metadata');
const {
  Body,
  Controller,
  HttpCode,
  Inject,
  Injectable,
  Module,
  Param,
  Post,
  SetMetadata,
} = require('@nestjs/common');
const { APP_GUARD, NestFactory, Reflector } = require('@nestjs/core');
const { AuthGuard, PassportModule, PassportStrategy } = require('@nestjs/passport');
const { passportJwtSecret } = require('jwks-rsa');
const { ExtractJwt, Strategy } = require('passport-jwt');
const { request } = require('undici');

const { runChild, requiredEnv, upstreamAgent } = require('./child');

function decorateMethod(target, key, decorators) {
  const descriptor = Reflect.decorate(
    decorators,
    target.prototype,
    key,
    Object.getOwnPropertyDescriptor(target.prototype, key),
  );
  Object.defineProperty(target.prototype, key, descriptor);
}

const SCOPES = 'bench:scopes';

function forwardController(backend) {
  const agent = upstreamAgent();
  class ForwardController {
    async call(name, body) {
      const upstream = await request(`${backend}/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        dispatcher: agent,
      });
      return upstream.body.json();
    }
  }
  Param('name')(ForwardController.prototype, 'call', 0);
  Body()(ForwardController.prototype, 'call', 1);
  decorateMethod(ForwardController, 'call', [
    Post('tools/:name'),
    HttpCode(200),
    SetMetadata(SCOPES, ['tools:read']),
  ]);
  return Reflect.decorate([Controller()], ForwardController);
}

function naiveProviders() {
  const issuer = requiredEnv('OAUTH_ISSUER');
  class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
    constructor() {
      super({
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKeyProvider: passportJwtSecret({
          jwksUri: requiredEnv('OAUTH_JWKS_URI'),
          cache: true,
          rateLimit: true,
          jwksRequestsPerMinute: 10,
        }),
        issuer,
        audience: requiredEnv('OAUTH_AUDIENCE'),
        algorithms: ['RS256'],
      });
    }
    validate(payload) {
      return { sub: payload.sub, scopes: typeof payload.scope === 'string' ? payload.scope.split(' ') : [] };
    }
  }
  class ScopesGuard {
    constructor(reflector) {
      this.reflector = reflector;
    }
    canActivate(context) {
      const required = this.reflector.get(SCOPES, context.getHandler()) ?? [];
      const { user } = context.switchToHttp().getRequest();
      return required.every((scope) => user.scopes.includes(scope));
    }
  }
  Inject(Reflector)(ScopesGuard, undefined, 0);
  return [
    Reflect.decorate([Injectable()], JwtStrategy),
    { provide: APP_GUARD, useClass: AuthGuard('jwt') },
    { provide: APP_GUARD, useClass: Reflect.decorate([Injectable()], ScopesGuard) },
  ];
}

runChild('nest-forwarder.js', async () => {
  const variant = requiredEnv('BASELINE');
  if (!['nest-express', 'nest-fastify', 'naive'].includes(variant))
    throw new Error(`unknown BASELINE ${variant}`);
  const naive = variant === 'naive';
  class BenchModule {}
  const AppModule = Reflect.decorate(
    [
      Module({
        imports: naive ? [PassportModule] : [],
        controllers: [forwardController(requiredEnv('BACKEND_ORIGIN'))],
        providers: naive ? naiveProviders() : [],
      }),
    ],
    BenchModule,
  );
  const app =
    variant === 'nest-fastify'
      ? await NestFactory.create(AppModule, new (require('@nestjs/platform-fastify').FastifyAdapter)(), {
          logger: ['error'],
        })
      : await NestFactory.create(AppModule, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  return app.getHttpServer().address().port;
});
