/** The worker's Kafka sockets: Nagle off (as Kafka's Java client), keep-alive on, and the factory is the one the client uses. */
import { AddressInfo, Server, Socket, createServer } from 'net';
import { kafkaClientConfig, lowLatencySocket } from '../../../lib/cdc-worker/kafka/client';

describe('lowLatencySocket', () => {
  let server: Server;
  const accepted: Socket[] = [];

  beforeAll(async () => {
    server = createServer((s) => accepted.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });

  afterAll(async () => {
    accepted.forEach((s) => s.destroy());
    await new Promise((r) => server.close(r));
  });

  test('connects with TCP_NODELAY and keep-alive', async () => {
    const noDelay = jest.spyOn(Socket.prototype, 'setNoDelay');
    const keepAlive = jest.spyOn(Socket.prototype, 'setKeepAlive');
    try {
      const port = (server.address() as AddressInfo).port;
      let socket!: Socket;
      await new Promise<void>((resolve) => {
        socket = lowLatencySocket({ host: '127.0.0.1', port, ssl: null as never, onConnect: resolve });
      });
      expect(socket.remotePort).toBe(port);
      expect(noDelay.mock.contexts).toContain(socket);
      expect(noDelay.mock.calls[noDelay.mock.contexts.indexOf(socket)]).toEqual([true]);
      expect(keepAlive.mock.contexts).toContain(socket);
      expect(keepAlive.mock.calls[keepAlive.mock.contexts.indexOf(socket)][0]).toBe(true);
      socket.destroy();
    } finally {
      noDelay.mockRestore();
      keepAlive.mockRestore();
    }
  });

  test('is the socket factory of every Kafka client the worker creates', () => {
    const cfg = kafkaClientConfig({
      brokers: ['k:9092'],
      clientId: 'c',
      ssl: false,
      batchSize: 1,
      maxBatchBytes: 1024,
      compression: 'gzip',
      outageTimeoutMs: 120000,
    } as never);
    expect(cfg.socketFactory).toBe(lowLatencySocket);
  });
});
