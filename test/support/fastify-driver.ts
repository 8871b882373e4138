import { Readable } from 'node:stream';
import Fastify, { type FastifyRequest } from 'fastify';
import { podsafe } from '@podsafe/fastify';
import type { SessionOptions } from '@podsafe/core';
import { waitAtGate, type AppDriver, type RunningApp } from '@podsafe/testkit';

type Data = Record<string, unknown>;
type Params = { Params: Record<string, string>; Body: Data };
const view = (request: FastifyRequest) => ({
  id: request.session.id,
  isNew: request.session.isNew,
  data: { ...(request.session as unknown as Data) },
});
const dataOf = (request: FastifyRequest) => request.session as unknown as Data;

/** The standard test routes (see drivers.ts) on Fastify, with the podsafe plugin. */
export const fastifyDriver: AppDriver = {
  name: 'fastify',
  async start(options: SessionOptions): Promise<RunningApp> {
    // forceCloseConnections: close() drops keep-alive sockets, as the Express driver's closeAllConnections() does.
    const app = Fastify({ logger: false, trustProxy: true, forceCloseConnections: true });
    await app.register(podsafe, options);
    app.get('/session', async (request) => view(request));
    app.post<Params>('/set', async (request) => {
      Object.assign(dataOf(request), request.body);
      return view(request);
    });
    app.post<Params>('/unset/:key', async (request) => {
      delete dataOf(request)[request.params.key!];
      return view(request);
    });
    app.post<Params>('/increment/:key', async (request) => {
      const key = request.params.key!;
      dataOf(request)[key] = ((dataOf(request)[key] as number | undefined) ?? 0) + 1;
      return view(request);
    });
    app.post<Params>('/login', async (request) => {
      await request.session.regenerate();
      dataOf(request).user = request.body.user;
      return view(request);
    });
    app.post<Params>('/login-redirect', async (request, reply) => {
      await request.session.regenerate();
      dataOf(request).user = request.body.user;
      return reply.redirect('/session', 302);
    });
    app.post('/logout', async (request) => {
      await request.session.destroy();
      return { ok: true };
    });
    app.post<Params>('/hold/:gate', async (request) => {
      await waitAtGate(request.params.gate!);
      Object.assign(dataOf(request), request.body);
      return view(request);
    });
    app.post('/stream', async (request, reply) => {
      dataOf(request).streamed = true;
      reply.header('content-type', 'text/plain');
      return reply.send(Readable.from(['one,', 'two,', 'three']));
    });
    app.get<Params>('/big/:bytes', async (request) => {
      dataOf(request).big = 'x'.repeat(Number(request.params.bytes));
      return { ok: true };
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  },
};
