/** The three Express apps the benchmark compares, each with the same two routes. */
import type { AddressInfo } from 'node:net';
import express, { type Request } from 'express';
import expressSession from 'express-session';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { session } from '@podsafe/express';
import { ExpressSessionStore } from '@podsafe/express/express-session';
import { RedisStore } from '@podsafe/redis';

export interface BenchApp {
  name: string;
  url: string;
  close(): Promise<void>;
}

const SECRET = 'bench-secret-0123456789abcdef0123456789';
type Bag = Record<string, unknown>;

function routes(app: express.Express, bag: (req: Request) => Bag) {
  app.use(express.json());
  app.post('/login', (req, res) => {
    Object.assign(bag(req), { user: 'bench', counter: 0 });
    res.json({ ok: true });
  });
  app.get('/read', (req, res) => res.json({ user: bag(req).user ?? null }));
  app.post('/write', (req, res) => {
    bag(req).counter = ((bag(req).counter as number) ?? 0) + 1;
    res.json({ counter: bag(req).counter });
  });
  // Sets one named key: two of these in flight at once show lost updates.
  app.post('/set/:key', (req, res) => {
    bag(req)[req.params.key as string] = true;
    res.json({ ok: true });
  });
  app.get('/keys', (req, res) => res.json(Object.keys(bag(req))));
}

async function listen(name: string, app: express.Express, closeStore: () => Promise<unknown>): Promise<BenchApp> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    name,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await closeStore();
    },
  };
}

export async function podsafeApp(redisUrl: string): Promise<BenchApp> {
  const store = new RedisStore({ url: redisUrl, prefix: 'bench:podsafe:' });
  const app = express();
  app.use(session({ store, secret: SECRET }));
  routes(app, (req) => req.session as unknown as Bag);
  return listen('podsafe session() + RedisStore', app, () => store.close());
}

export async function dropInApp(redisUrl: string): Promise<BenchApp> {
  const store = new RedisStore({ url: redisUrl, prefix: 'bench:dropin:' });
  const app = express();
  app.use(expressSession({ store: new ExpressSessionStore({ store }), secret: SECRET, resave: false, saveUninitialized: false }));
  routes(app, (req) => req.session as unknown as Bag);
  return listen('express-session + podsafe ExpressSessionStore', app, () => store.close());
}

export async function connectRedisApp(redisUrl: string): Promise<BenchApp> {
  const client = createClient({ url: redisUrl });
  await client.connect();
  const app = express();
  app.use(
    expressSession({ store: new ConnectRedisStore({ client, prefix: 'bench:connect:' }), secret: SECRET, resave: false, saveUninitialized: false }),
  );
  routes(app, (req) => req.session as unknown as Bag);
  return listen('express-session + connect-redis', app, () => client.quit());
}
