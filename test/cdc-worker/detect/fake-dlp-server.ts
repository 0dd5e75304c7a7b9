/**
 * A local gRPC server speaking google.privacy.dlp.v2.DlpService (from @google-cloud/dlp's own
 * protos) whose InspectContent runs the local detectors, so the Cloud DLP backend can be tested
 * without Google Cloud. It enforces DLP's content limits (0.5 MB per request, 50,000 table
 * values, findings per request) and can be told to fail the next N calls with a status.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { DlpServiceClient } from '@google-cloud/dlp';
import { Finding, LIKELIHOODS, Likelihood, LocalDetector } from '../../../lib/cdc-worker/detect';

const DLP_PROTOS_JSON = require('@google-cloud/dlp/build/protos/protos.json');

export interface ReceivedRequest {
  /** Encoded size of the request as it came off the wire. */
  bytes: number;
  rows: number;
  values: number;
  headers: string[];
}

type Value = { stringValue?: string; integerValue?: string; floatValue?: number; booleanValue?: boolean };

interface Request {
  parent: string;
  inspectConfig?: { infoTypes?: { name: string }[]; minLikelihood?: string; includeQuote?: boolean; limits?: { maxFindingsPerRequest?: number } };
  item?: { value?: string; table?: { headers?: { name: string }[]; rows?: { values?: Value[] }[] } };
}

export class FakeDlpServer {
  readonly requests: ReceivedRequest[] = [];
  /** Calls answered with an error (injected or limit). */
  failures = 0;
  /** Most calls in progress at once (with `delayMs`). */
  maxInFlight = 0;
  /** Answer each call after this many ms (to observe concurrency). */
  delayMs = 0;
  private inFlight = 0;
  private server = new grpc.Server();
  private failQueue: { code: grpc.status; details: string }[] = [];
  private lastBytes = 0;
  port = 0;

  constructor(private readonly limits = { maxRequestBytes: 524288, maxTableValues: 50000, maxFindings: 3000 }) {}

  /** The next `times` calls fail with `code`. */
  failNext(times: number, code: grpc.status, details = 'injected failure'): void {
    for (let i = 0; i < times; i++) this.failQueue.push({ code, details });
  }

  async start(): Promise<number> {
    const definition = protoLoader.fromJSON(DLP_PROTOS_JSON, { keepCase: false, longs: String, enums: String, defaults: false, oneofs: true });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as {
      google: { privacy: { dlp: { v2: { DlpService: { service: grpc.ServiceDefinition } } } } };
    };
    const service = { ...pkg.google.privacy.dlp.v2.DlpService.service };
    const method = service.InspectContent as grpc.MethodDefinition<unknown, unknown>;
    // record the encoded size of each request
    service.InspectContent = {
      ...method,
      requestDeserialize: (buf: Buffer) => {
        this.lastBytes = buf.length;
        return method.requestDeserialize(buf);
      },
    };
    this.server.addService(service, {
      inspectContent: (call: grpc.ServerUnaryCall<Request, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const bytes = this.lastBytes;
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        const answer = () => {
          this.inFlight--;
          try {
            callback(null, this.inspect(call.request, bytes));
          } catch (e) {
            this.failures++;
            callback(e as grpc.ServiceError);
          }
        };
        if (this.delayMs > 0) setTimeout(answer, this.delayMs);
        else answer();
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    return this.port;
  }

  /** A real DlpServiceClient pointed at this server: insecure channel, no credentials lookup. */
  client(): DlpServiceClient {
    return new DlpServiceClient({
      apiEndpoint: '127.0.0.1',
      port: this.port,
      sslCreds: grpc.credentials.createInsecure(),
      universeDomain: 'localhost',
      projectId: 'test-project',
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private inspect(req: Request, bytes: number): unknown {
    const injected = this.failQueue.shift();
    if (injected) throw Object.assign(new Error(injected.details), injected);
    const table = req.item?.table;
    const headers = (table?.headers ?? []).map((h) => h.name);
    const rows = table?.rows ?? [];
    const values = rows.length * headers.length;
    this.requests.push({ bytes, rows: rows.length, values, headers });
    if (bytes > this.limits.maxRequestBytes) {
      throw { code: grpc.status.INVALID_ARGUMENT, details: `Request payload size exceeds the limit: ${this.limits.maxRequestBytes} bytes.` };
    }
    if (values > this.limits.maxTableValues) {
      throw { code: grpc.status.INVALID_ARGUMENT, details: `Too many values in the table: ${values} > ${this.limits.maxTableValues}.` };
    }
    const cfg = req.inspectConfig ?? {};
    let detector: LocalDetector;
    try {
      detector = new LocalDetector({
        infoTypes: (cfg.infoTypes ?? []).map((t) => t.name),
        minLikelihood: (LIKELIHOODS.includes(cfg.minLikelihood as Likelihood) ? cfg.minLikelihood : 'POSSIBLE') as Likelihood,
        includeQuote: cfg.includeQuote ?? false,
      });
    } catch (e) {
      throw { code: grpc.status.INVALID_ARGUMENT, details: (e as Error).message };
    }
    const findings: Finding[] = [];
    if (table) {
      rows.forEach((row, r) => {
        (row.values ?? []).forEach((v, c) => {
          const text = v.stringValue ?? v.integerValue ?? (v.floatValue !== undefined ? String(v.floatValue) : undefined);
          if (text !== undefined) detector.scanInto(text, headers[c], r, undefined, findings);
        });
      });
    } else if (req.item?.value !== undefined) {
      findings.push(...detector.scan(req.item.value));
    }
    const max = Math.min(cfg.limits?.maxFindingsPerRequest || 3000, this.limits.maxFindings);
    return {
      result: {
        findingsTruncated: findings.length > max,
        findings: findings.slice(0, max).map((f) => ({
          quote: f.quote,
          infoType: { name: f.infoType.name },
          likelihood: f.likelihood,
          location: {
            byteRange: f.location.byteRange,
            codepointRange: f.location.codepointRange,
            contentLocations: f.location.contentLocations.map((l) => ({ recordLocation: l.recordLocation })),
          },
        })),
      },
    };
  }
}
