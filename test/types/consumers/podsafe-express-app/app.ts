// A TypeScript app on podsafe's own middleware: typed `req.session` data.
import express from 'express';
import { session } from '@podsafe/express';
import { MemoryStore } from '@podsafe/core';

declare module '@podsafe/core' {
  interface SessionData {
    userId?: string;
  }
}

const app = express();
app.use(session({ store: new MemoryStore(), secret: 'x'.repeat(32) }));
app.post('/login', async (req, res) => {
  await req.session.regenerate();
  req.session.userId = 'u1';
  const id: string = req.session.id;
  res.json({ id, user: req.session.userId });
});
