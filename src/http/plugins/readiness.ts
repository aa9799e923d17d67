/**
 * `/health` (the process is alive: never restart it for a database away or
 * migrations pending) and `/ready` (send it requests: see
 * flows/operations/readiness.ts). From the moment shutdown begins the process
 * says it is not ready, so a load balancer stops sending it requests while
 * those in flight finish; Fastify answers 503 to new ones meanwhile
 * (`return503OnClosing`), and `closeWithin` bounds the wait.
 */
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../store/database.ts';
import { checkReadiness, type ReadinessOptions } from '../../flows/operations/readiness.ts';

export function registerHealthAndReadiness(app: FastifyInstance, db: Db, options: ReadinessOptions): void {
  app.get('/health', { schema: { tags: ['Operations'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  let shuttingDown = false;
  app.addHook('preClose', async () => {
    shuttingDown = true;
  });
  app.get(
    '/ready',
    {
      schema: {
        tags: ['Operations'],
        summary: 'Readiness: the database answers, its migrations are those this version knows, a worker beat recently, and the process is not shutting down',
      },
    },
    async (_request, reply) => {
      if (shuttingDown) {
        return reply.code(503).send({ status: 'not_ready', database: false, migrations: false, worker: null, shutting_down: true });
      }
      const { ready, ...readiness } = await checkReadiness(db, options);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', ...readiness, shutting_down: false });
    },
  );
}

/**
 * Closes the app as a graceful shutdown: no new request is taken, those in flight may finish for `graceMs`, then
 * their connections are closed. Answers whether everything finished within the grace.
 */
export async function closeWithin(app: FastifyInstance, graceMs: number): Promise<boolean> {
  let finished = true;
  const timer = setTimeout(() => {
    finished = false;
    app.server.closeAllConnections();
  }, graceMs);
  // A connection whose last request was answered is idle: closed at once, so the close ends when the last answer does.
  const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
    clearInterval(sweep);
  }
  return finished;
}
