import * as grpc from '@grpc/grpc-js';
import { CloudDlpDetector, createDetector, DetectionMetrics, DlpInspectError, Finding, LocalDetector, Row } from '../../../lib/cdc-worker/detect';
import { makeRows } from '../../../bench/dlp/corpus';
import { FakeDlpServer } from './fake-dlp-server';

const MB = 524288; // Cloud DLP's 0.5 MB

/** Findings in a stable order for comparing backends. */
function sorted(fs: Finding[]): Finding[] {
  const key = (f: Finding) => {
    const r = f.location.contentLocations[0]?.recordLocation;
    return [r?.tableLocation.rowIndex ?? 0, r?.fieldId.name ?? '', f.location.byteRange.start, f.infoType.name] as const;
  };
  return [...fs].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return x[0] - y[0] || x[1].localeCompare(y[1]) || x[2] - y[2] || x[3].localeCompare(y[3]);
  });
}

describe('CloudDlpDetector against a local DlpService', () => {
  let server: FakeDlpServer;
  const sleeps: number[] = [];
  const detectors: CloudDlpDetector[] = [];

  function detector(options: Partial<ConstructorParameters<typeof CloudDlpDetector>[0]> = {}, s = server): CloudDlpDetector {
    const d = new CloudDlpDetector({
      projectId: 'test-project',
      client: s.client(),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options,
    });
    detectors.push(d);
    return d;
  }

  beforeEach(async () => {
    sleeps.length = 0;
    server = new FakeDlpServer();
    await server.start();
  });
  afterEach(async () => {
    for (const d of detectors.splice(0)) await d.close();
    await server.stop();
  });

  test('the talk example through the real client: same finding as the local backend', async () => {
    const text = 'My phone number is (415) 555-0890';
    const cloud = await detector().inspectText(text);
    expect(cloud).toEqual([
      {
        quote: '(415) 555-0890',
        infoType: { name: 'PHONE_NUMBER' },
        likelihood: 'VERY_LIKELY',
        location: { byteRange: { start: 19, end: 33 }, codepointRange: { start: 19, end: 33 }, contentLocations: [] },
      },
    ]);
    expect(cloud).toEqual(new LocalDetector().scan(text));
  });

  test('createDetector with clientOptions (endpoint, port, insecure channel, universeDomain) needs no credentials or metadata server', async () => {
    const saved = { detection: process.env.METADATA_SERVER_DETECTION, creds: process.env.GOOGLE_APPLICATION_CREDENTIALS };
    process.env.METADATA_SERVER_DETECTION = 'none';
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    const d = createDetector({
      backend: 'cloud-dlp',
      projectId: 'test-project',
      location: 'europe-west1',
      minLikelihood: 'LIKELY',
      clientOptions: { apiEndpoint: '127.0.0.1', port: server.port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'localhost' },
    });
    try {
      expect(d.backend).toBe('cloud-dlp');
      const findings = await d.inspectRows('t', [{ ip: '192.0.2.10', id: '536228765' }]);
      expect(findings.map((f) => [f.infoType.name, f.quote, f.likelihood])).toEqual([['IP_ADDRESS', '192.0.2.10', 'VERY_LIKELY']]);
    } finally {
      await d.close();
      if (saved.detection === undefined) delete process.env.METADATA_SERVER_DETECTION;
      else process.env.METADATA_SERVER_DETECTION = saved.detection;
      if (saved.creds !== undefined) process.env.GOOGLE_APPLICATION_CREDENTIALS = saved.creds;
    }
  });

  test('rows as a table item: findings map back to column and row, as the local backend finds them', async () => {
    const rows: Row[] = [
      { id: 1, name: 'Zoë Müller 😀', phone: '+1 415 555 0890', card: 4111111111111111, active: true, created: new Date(0) },
      { id: 2, name: 'Ben', note: 'mail ben@example.com from 203.0.113.7, IBAN DE89 3704 0044 0532 0130 00', amount: 12.5 },
      { id: 3, name: null, note: 'ssn 536-22-8765 and bad 666-22-8765, card 4111 1111 1111 1112' },
    ];
    const cloud = await detector().inspectRows('public.customers', rows);
    const local = await new LocalDetector().inspectRows('public.customers', rows);
    expect(sorted(cloud)).toEqual(sorted(local));
    expect(
      cloud
        .map(
          (f) =>
            `${f.location.contentLocations[0].recordLocation?.tableLocation.rowIndex}.${f.location.contentLocations[0].recordLocation?.fieldId.name}:${f.infoType.name}`,
        )
        .sort(),
    ).toEqual([
      '0.card:CREDIT_CARD_NUMBER',
      '0.phone:PHONE_NUMBER',
      '1.note:EMAIL_ADDRESS',
      '1.note:IBAN_CODE',
      '1.note:IP_ADDRESS',
      '2.note:US_SOCIAL_SECURITY_NUMBER',
    ]);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ rows: 3, headers: ['id', 'name', 'phone', 'card', 'active', 'created', 'note', 'amount'] });
  });

  test('a realistic 2 MB batch: requests under 0.5 MB each, at most ⌈bytes / 0.5 MB⌉ of them, sizes computed exactly, same findings as local', async () => {
    const { rows } = makeRows(2 * 1024 * 1024, 7);
    const d = detector();
    const plan = d.planBatches(rows);
    const cloud = await d.inspectRows('orders', rows);
    const sent = server.requests.reduce((n, r) => n + r.bytes, 0);
    expect(server.requests.length).toBe(plan.length);
    // requests may arrive in any order (several in flight)
    const bySize = (a: number, b: number) => a - b;
    expect(server.requests.map((r) => r.bytes).sort(bySize)).toEqual(plan.map((p) => p.bytes).sort(bySize));
    expect(Math.max(...server.requests.map((r) => r.bytes))).toBeLessThanOrEqual(MB);
    expect(server.requests.length).toBeLessThanOrEqual(Math.ceil(sent / MB));
    expect(server.requests.reduce((n, r) => n + r.rows, 0)).toBe(rows.length);
    expect(sorted(cloud)).toEqual(sorted(await new LocalDetector().inspectRows('orders', rows)));
    expect(cloud.length).toBeGreaterThan(1000);
  });

  test("requests run `concurrency` at a time; findings keep the rows' order", async () => {
    server.delayMs = 50;
    const { rows } = makeRows(3 * 1024 * 1024, 9);
    const concurrent = await detector({ concurrency: 3 }).inspectRows('orders', rows);
    expect(server.requests.length).toBeGreaterThanOrEqual(6);
    expect(server.maxInFlight).toBe(3);
    const rowOf = (f: Finding) => f.location.contentLocations[0].recordLocation!.tableLocation.rowIndex;
    const order = concurrent.map(rowOf);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(concurrent).toEqual(await new LocalDetector().inspectRows('orders', rows));
  });

  test('at most 50,000 table values per request', async () => {
    const rows = Array.from({ length: 120000 }, (_, i) => ({ v: i % 2 ? 'x' : 'y' }));
    await detector().inspectRows('t', rows);
    expect(server.requests.map((r) => r.values).sort((a, b) => b - a)).toEqual([50000, 50000, 20000]);
  });

  test('a row bigger than a request is sent in overlapping chunks; findings map back to the cell', async () => {
    const small = new FakeDlpServer({ maxRequestBytes: 4096, maxTableValues: 50000, maxFindings: 3000 });
    await small.start();
    try {
      let text = '';
      while (text.length < 30000) text += `Grüße ${text.length} 😀 write to user${text.length}@example.com or call (415) 555-0890; `;
      const rows = [{ id: 1, body: text, note: 'call 415-555-0890' }];
      const cloud = await detector({ maxRequestBytes: 4096 }, small).inspectRows('mail', rows);
      expect(small.requests.length).toBeGreaterThan(1);
      expect(Math.max(...small.requests.map((r) => r.bytes))).toBeLessThanOrEqual(4096);
      const local = await new LocalDetector().inspectRows('mail', rows);
      // none cut at a chunk edge, none twice from the overlap
      expect(cloud).toEqual(local);
      expect(local.length).toBeGreaterThan(500);
    } finally {
      await small.stop();
    }
  });

  test('a 1.5 MB cell with the default limits: chunks fill the requests, at most ⌈bytes / 0.5 MB⌉ of them, same findings in the same order as local', async () => {
    const filler = 'Grüße aus Zürich – the parcel was late again and the customer asked for a refund of the shipping fee. '.repeat(4);
    let text = '';
    for (let i = 0; text.length < 1_500_000; i++) text += `${filler}Ticket ${i}: mail zoe${i}@example.com. `;
    const rows = [
      { id: 1, body: 'short', small: 'a@example.com' },
      { id: 2, body: text, small: 'x@example.com' },
      { id: 3, body: 'call 415-555-0890', small: null },
    ];
    const cloud = await detector().inspectRows('tickets', rows);
    const sent = server.requests.reduce((n, r) => n + r.bytes, 0);
    expect(server.requests.reduce((n, r) => n + r.rows, 0)).toBe(3 + 3); // the 3 rows and 3 chunks of the big cell
    expect(server.requests.length).toBeLessThanOrEqual(Math.ceil(sent / MB));
    expect(Math.max(...server.requests.map((r) => r.bytes))).toBeLessThanOrEqual(MB);
    expect(cloud.length).toBeGreaterThan(3000);
    expect(cloud).toEqual(await new LocalDetector().inspectRows('tickets', rows));
  });

  test('more findings in a cell than DLP returns per request (3000): the cell is split until all come back', async () => {
    let text = '';
    for (let i = 0; text.length < 600_000; i++)
      text += `Ticket ${i} – Zoë wrote from 198.51.100.${i % 250}: mail zoe${i}@example.com, phone (415) 555-${String(1000 + (i % 9000))}. `;
    const rows = [
      { id: 1, body: text, note: 'ana@example.com' },
      { id: 2, body: 'x', note: 'call 415-555-0890' },
    ];
    const cloud = await detector().inspectRows('tickets', rows);
    expect(cloud.length).toBeGreaterThan(15000);
    expect(cloud).toEqual(await new LocalDetector().inspectRows('tickets', rows));
    expect(Math.max(...server.requests.map((r) => r.bytes))).toBeLessThanOrEqual(MB);
  });

  test('findingsTruncated: the batch is split until every finding comes back', async () => {
    const capped = new FakeDlpServer({ maxRequestBytes: MB, maxTableValues: 50000, maxFindings: 5 });
    await capped.start();
    try {
      const rows = Array.from({ length: 40 }, (_, i) => ({ email: `user${i}@example.com`, ip: `10.0.0.${i}` }));
      const cloud = await detector({}, capped).inspectRows('t', rows);
      expect(cloud).toHaveLength(80);
      expect(sorted(cloud)).toEqual(sorted(await new LocalDetector().inspectRows('t', rows)));
    } finally {
      await capped.stop();
    }
  });

  test('UNAVAILABLE and DEADLINE_EXCEEDED are retried with exponential backoff', async () => {
    server.failNext(2, grpc.status.UNAVAILABLE);
    server.failNext(1, grpc.status.DEADLINE_EXCEEDED);
    const metrics = new DetectionMetrics();
    const findings = await detector({ initialBackoffMs: 100, onRequest: metrics.recordRequest }).inspectText('mail a@example.com');
    expect(findings.map((f) => f.quote)).toEqual(['a@example.com']);
    expect(sleeps).toHaveLength(3);
    // jitter in [delay/2, delay], delay 100, 200, 400
    [100, 200, 400].forEach((delay, i) => {
      expect(sleeps[i]).toBeGreaterThanOrEqual(delay / 2);
      expect(sleeps[i]).toBeLessThanOrEqual(delay);
    });
    expect(metrics.dlpRequests).toBe(1);
    expect(metrics.dlpRetries).toBe(3);
  });

  test('RESOURCE_EXHAUSTED (quota) is retried from the longer quota backoff', async () => {
    server.failNext(2, grpc.status.RESOURCE_EXHAUSTED, 'Quota exceeded for quota metric');
    await detector({ initialBackoffMs: 100, quotaBackoffMs: 2000, maxBackoffMs: 3000 }).inspectText('a@example.com');
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
    expect(sleeps[1]).toBeGreaterThanOrEqual(1500);
    expect(sleeps[1]).toBeLessThanOrEqual(3000);
  });

  test('gives up after maxAttempts with a clear error', async () => {
    server.failNext(5, grpc.status.RESOURCE_EXHAUSTED, 'Quota exceeded for quota metric');
    const err = await detector({ maxAttempts: 3 })
      .inspectRows('public.orders', [{ a: 'x' }])
      .catch((e) => e);
    expect(err).toBeInstanceOf(DlpInspectError);
    expect(err).toMatchObject({ code: 'RESOURCE_EXHAUSTED', attempts: 3 });
    expect(err.message).toMatch(
      /^Cloud DLP inspectContent for 1 row\(s\) of public\.orders \(\d+ bytes, projects\/test-project\/locations\/global\) failed with RESOURCE_EXHAUSTED: Quota exceeded for quota metric\. Gave up after 3 attempts: the project's DLP quota is exhausted/,
    );
    expect(server.failures).toBe(3);
  });

  test('other errors are not retried and say what to do', async () => {
    server.failNext(1, grpc.status.PERMISSION_DENIED, 'Permission dlp.inspect denied');
    const err = await detector()
      .inspectText('a@example.com')
      .catch((e) => e);
    expect(err).toMatchObject({ name: 'DlpInspectError', code: 'PERMISSION_DENIED', attempts: 1 });
    expect(err.message).toContain('needs roles/dlp.user on the project');
    expect(sleeps).toEqual([]);
  });

  test('a request over the API limit is reported, not retried', async () => {
    const err = await detector({ maxRequestBytes: 2 * MB })
      .inspectRows('t', [{ blob: 'x'.repeat(MB) }])
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', attempts: 1 });
    expect(err.message).toContain('lower maxRequestBytes');
  });
});
