/**
 * The Express app of the "Use with Passport" section of packages/express/README.md,
 * as the compatibility tests run it: Passport 0.7 + passport-local on podsafe's
 * session(), with connect-flash, csrf-sync and express-rate-limit.
 */
import express from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import flash from 'connect-flash';
import { csrfSync } from 'csrf-sync';
import { rateLimit } from 'express-rate-limit';
import { session, type SessionOptions } from '@podsafe/express';

interface User {
  id: string;
  name: string;
  password: string;
}

const users = new Map<string, User>([['u1', { id: 'u1', name: 'ada', password: 'lovelace' }]]);

declare global {
  namespace Express {
    // Passport's user type: what deserializeUser gives back.
    interface User {
      id: string;
      name: string;
    }
  }
}

/** The app, on podsafe sessions with `options` (store, secret...). */
export function passportExpressApp(options: SessionOptions): express.Express {
  const auth = new passport.Passport();
  auth.use(
    new LocalStrategy((username, password, done) => {
      const user = [...users.values()].find((u) => u.name === username);
      if (!user || user.password !== password) return done(null, false, { message: 'Wrong name or password.' });
      return done(null, { id: user.id, name: user.name });
    }),
  );
  auth.serializeUser((user, done) => done(null, user.id));
  auth.deserializeUser((id: string, done) => {
    const user = users.get(id);
    done(null, user ? { id: user.id, name: user.name } : false);
  });

  const { csrfSynchronisedProtection, generateToken } = csrfSync();

  const app = express();
  app.use(express.json());
  app.use(session(options));
  app.use(flash());
  app.use(auth.session());

  // express-session's req.sessionID works as a rate-limit key: one budget per session.
  app.use(
    '/limited',
    rateLimit({ windowMs: 60_000, limit: 2, keyGenerator: (req) => req.sessionID, standardHeaders: 'draft-8', legacyHeaders: false }),
  );
  app.get('/limited', (_req, res) => {
    res.json({ ok: true });
  });

  app.get('/csrf', (req, res) => {
    res.json({ token: generateToken(req) });
  });
  app.get('/login', (req, res) => {
    res.json({ errors: req.flash('error') });
  });
  app.post(
    '/login',
    csrfSynchronisedProtection,
    auth.authenticate('local', { failureRedirect: '/login', failureFlash: true }),
    (req, res) => {
      // "Remember me": this session alone lives 30 days (express-session spelling, in ms).
      if (req.body.remember) req.session.cookie.maxAge = 30 * 24 * 3600 * 1000;
      res.redirect('/me');
    },
  );
  app.get('/me', (req, res) => {
    res.json({ user: req.user ?? null });
  });
  app.post('/logout', (req, res, next) => {
    req.logout((error) => {
      if (error) return next(error);
      res.redirect('/me');
    });
  });

  app.post('/notes', csrfSynchronisedProtection, (req, res) => {
    req.flash('info', 'Note saved.');
    res.redirect('/notes');
  });
  app.get('/notes', (req, res) => {
    res.json({ info: req.flash('info') });
  });

  // CSRF failures are 403s with csrf-sync's error; everything else goes to Express's default handler.
  app.use((error: Error & { code?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (error.code === 'EBADCSRFTOKEN') res.status(403).json({ error: 'bad csrf token' });
    else next(error);
  });
  return app;
}
