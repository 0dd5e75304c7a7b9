/** The /healthz, /readyz and /metrics server. */
import { createServer, Server } from 'http';
import type { Logger } from 'pino';
import type { WorkerMetrics } from './metrics';

export interface Probe {
  healthy(): boolean;
  ready(): boolean;
  status(): Record<string, unknown>;
}

export function startHttpServer(host: string, port: number, metrics: WorkerMetrics, probe: Probe, log: Logger): Promise<Server> {
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/healthz' || url === '/readyz') {
      const ok = url === '/healthz' ? probe.healthy() : probe.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', ...probe.status() }));
      return;
    }
    if (url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(metrics.detection ? text + metrics.detection.toPrometheus() : text);
        },
        (e: Error) => {
          res.writeHead(500);
          res.end(e.message);
        },
      );
      return;
    }
    res.writeHead(404);
    res.end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      log.info({ host, port: (server.address() as { port: number }).port }, 'http server listening');
      resolve(server);
    });
  });
}
