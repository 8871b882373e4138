// A TypeScript app that switches express-session from connect-redis to podsafe:
// it must compile with express-session's own `req.session` type intact.
import express from 'express';
import session from 'express-session';
import { MemoryStore } from '@podsafe/core';
import { ExpressSessionStore } from '@podsafe/express/express-session';

declare module 'express-session' {
  interface SessionData {
    views: number;
  }
}

const app = express();
app.use(
  session({
    store: new ExpressSessionStore({ store: new MemoryStore() }),
    secret: 'x'.repeat(32),
    resave: false,
    saveUninitialized: false,
  }),
);
app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1;
  const views: number = req.session.views;
  req.session.regenerate((error: unknown) => res.json({ views, error }));
});
