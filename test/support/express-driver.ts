import type { AddressInfo } from 'node:net';
import express from 'express';
import { session } from '@podsafe/express';
import type { SessionOptions } from '@podsafe/core';
import { waitAtGate, type AppDriver, type RunningApp } from '@podsafe/testkit';
import type { Request } from 'express';

type Data = Record<string, unknown>;
const view = (req: Request) => ({ id: req.session.id, isNew: req.session.isNew, data: { ...(req.session as unknown as Data) } });
const dataOf = (req: Request) => req.session as unknown as Data;

/** The standard test routes (see drivers.ts) on the Express `framework` given (5 by default, or 4). */
export function makeExpressDriver(name: string, framework: typeof express): AppDriver {
  return {
    name,
    async start(options: SessionOptions): Promise<RunningApp> {
      const app = framework();
      app.set('trust proxy', true);
      app.use(framework.json());
      app.use(session(options));
      app.get('/session', (req, res) => res.json(view(req)));
      app.post('/set', (req, res) => {
        Object.assign(dataOf(req), req.body);
        res.json(view(req));
      });
      app.post('/unset/:key', (req, res) => {
        delete dataOf(req)[req.params.key as string];
        res.json(view(req));
      });
      app.post('/increment/:key', (req, res) => {
        const key = req.params.key as string;
        dataOf(req)[key] = ((dataOf(req)[key] as number | undefined) ?? 0) + 1;
        res.json(view(req));
      });
      app.post('/login', async (req, res) => {
        await req.session.regenerate();
        dataOf(req).user = req.body.user;
        res.json(view(req));
      });
      app.post('/login-redirect', async (req, res) => {
        await req.session.regenerate();
        dataOf(req).user = req.body.user;
        res.redirect(302, '/session');
      });
      app.post('/logout', async (req, res) => {
        await req.session.destroy();
        res.json({ ok: true });
      });
      app.post('/hold/:gate', async (req, res) => {
        await waitAtGate(req.params.gate as string);
        Object.assign(dataOf(req), req.body);
        res.json(view(req));
      });
      app.post('/stream', (req, res) => {
        dataOf(req).streamed = true;
        res.setHeader('content-type', 'text/plain');
        res.write('one,');
        res.write('two,');
        res.end('three');
      });
      app.get('/big/:bytes', (req, res) => {
        dataOf(req).big = 'x'.repeat(Number(req.params.bytes));
        res.json({ ok: true });
      });
      const server = app.listen(0, '127.0.0.1');
      await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
      const { port } = server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      };
    },
  };
}

/** Express 5. */
export const expressDriver = makeExpressDriver('express', express);
