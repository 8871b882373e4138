/**
 * The Fastify app of the "Use with @fastify/passport" section of
 * packages/fastify/README.md, as the compatibility tests run it:
 * @fastify/passport + passport-local (and @fastify/flash, which it registers)
 * and @fastify/csrf-protection on podsafe's plugin.
 */
import Fastify, { type FastifyInstance, type preValidationHookHandler } from 'fastify';
import { Authenticator } from '@fastify/passport';
import csrfProtection from '@fastify/csrf-protection';
import { Strategy as LocalStrategy } from 'passport-local';
import { podsafe, type SessionOptions } from '@podsafe/fastify';

interface User {
  id: string;
  name: string;
}

const users = new Map([['u1', { id: 'u1', name: 'ada', password: 'lovelace' }]]);

/**
 * The app, on podsafe sessions with `options` (store, secret...).
 * `csrfMode`: which session API @fastify/csrf-protection uses: property
 * access ('@fastify/session') or `get`/`set` ('@fastify/secure-session').
 */
export async function passportFastifyApp(
  options: SessionOptions,
  csrfMode: '@fastify/session' | '@fastify/secure-session' = '@fastify/session',
): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(podsafe, options);
  await app.register(csrfProtection, { sessionPlugin: csrfMode });

  const passport = new Authenticator();
  passport.use(
    'local',
    new LocalStrategy((username, password, done) => {
      const user = [...users.values()].find((u) => u.name === username);
      if (!user || user.password !== password) return done(null, false, { message: 'Wrong name or password.' });
      return done(null, { id: user.id, name: user.name });
    }),
  );
  passport.registerUserSerializer(async (user: User) => user.id);
  passport.registerUserDeserializer(async (id: string) => {
    const user = users.get(id);
    return user ? { id: user.id, name: user.name } : null;
  });
  await app.register(passport.initialize());
  await app.register(passport.secureSession());

  app.get('/csrf', async (_request, reply) => ({ token: reply.generateCsrf() }));
  app.get('/login', async (_request, reply) => ({ errors: reply.flash('error') }));
  // (@fastify/passport types its handler as a route handler; it runs as a preValidation hook.)
  const logIn = passport.authenticate('local', {
    failureRedirect: '/login',
    failureFlash: 'Wrong name or password.',
  }) as preValidationHookHandler;
  app.post('/login', { onRequest: app.csrfProtection, preValidation: logIn }, async (request, reply) => {
    // "Remember me": this session alone lives 30 days (podsafe's spelling, in seconds).
    if ((request.body as { remember?: boolean }).remember) request.session.setLifetime({ ttl: 30 * 86400 });
    return reply.redirect('/me');
  });
  app.get('/me', async (request) => ({ user: request.user ?? null }));
  app.post('/logout', async (request, reply) => {
    await request.logout();
    return reply.redirect('/me');
  });
  app.post('/notes', { onRequest: app.csrfProtection }, async () => ({ saved: true }));
  return app;
}
