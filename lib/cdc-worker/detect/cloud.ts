/**
 * Cloud DLP backend: `DlpServiceClient.inspectContent` with rows sent as table items.
 *
 * - Batching: rows go in the order given, as many per request as fit under `maxRequestBytes`
 *   (the encoded request, computed exactly from the protobuf wire format) and `maxTableValues`
 *   (rows × columns). A row bigger than a request has its largest cells cut into overlapping
 *   chunks, sent as extra rows of the same table; findings are mapped back to the cell.
 * - Retries: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED (quota), ABORTED and INTERNAL
 *   are retried with exponential backoff and jitter (quota errors start from a longer
 *   delay); the client library's own retries are turned off so that there is one policy. Any
 *   other error, or running out of attempts, throws a `DlpInspectError` that says what to do.
 * - Truncation: when DLP reports `findingsTruncated` (more findings than it returns per
 *   request), the batch is split in two and each half inspected again.
 */
import type { DlpServiceClient } from '@google-cloud/dlp';
import { ContentLocation, Finding, InspectOptions, LOCAL_INFO_TYPES, Likelihood, LIKELIHOODS, likelihoodRank, Row, SensitiveDataDetector } from './types';
import { cellText, utf8Length } from './text';
import {
  Batch,
  CHUNK_OVERLAP,
  ChunkOffset,
  DlpValue,
  chunkEnd,
  columnsOf,
  countCodepoints,
  fieldSize,
  isLowSurrogate,
  splitBatch,
  takeBiggestCells,
  toDlpValue,
  valueSize,
  varintSize,
} from './cloud-batches';

export { toDlpValue };
export type { DlpValue };

/** Cloud DLP's limit for content methods: 0.5 MB per request. */
export const DLP_MAX_REQUEST_BYTES = 524288;
/** Cloud DLP's limit on the values in one table item. */
export const DLP_MAX_TABLE_VALUES = 50000;

/** gRPC status codes by number. */
const STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];
const RETRYABLE = new Set([4, 8, 10, 13, 14]);
const RESOURCE_EXHAUSTED = 8;

/** The part of `DlpServiceClient` this backend uses (a fake can stand in for it). */
export interface DlpClientLike {
  inspectContent(request: InspectContentRequest, options?: { retry?: null; timeout?: number }): Promise<unknown>;
  close(): Promise<void>;
}

/** The request this backend sends (`google.privacy.dlp.v2.InspectContentRequest`). */
export interface InspectContentRequest {
  parent: string;
  inspectConfig: {
    infoTypes: { name: string }[];
    minLikelihood: Likelihood;
    includeQuote: boolean;
    limits?: { maxFindingsPerRequest: number };
  };
  item: { table: { headers: { name: string }[]; rows: { values: DlpValue[] }[] } } | { value: string };
}

/** Options of the Cloud DLP backend. */
export interface CloudDlpDetectorOptions extends InspectOptions {
  /** Project the requests are made in (billing and quota). */
  readonly projectId: string;
  /** DLP location; `global` or a region such as `europe-west1`. @default "global" */
  readonly location?: string;
  /** A client to use instead of a new `DlpServiceClient` (closed by `close()` all the same). */
  readonly client?: DlpClientLike;
  /**
   * Options for the new `DlpServiceClient`: credentials, or `apiEndpoint`, `port`, `sslCreds`
   * and `universeDomain` for another endpoint. @default Application Default Credentials, dlp.googleapis.com
   */
  readonly clientOptions?: ConstructorParameters<typeof DlpServiceClient>[0];
  /** Largest encoded request, bytes. @default 524288 (0.5 MB, the API's limit) */
  readonly maxRequestBytes?: number;
  /** Most table values (rows × columns) per request. @default 50000 (the API's limit) */
  readonly maxTableValues?: number;
  /** Findings DLP may return per request (`limits.maxFindingsPerRequest`; the API caps it at 3000). @default 3000 */
  readonly maxFindingsPerRequest?: number;
  /** Attempts per request, the first included. @default 6 */
  readonly maxAttempts?: number;
  /** First retry delay for UNAVAILABLE and the like, ms; doubles per attempt. @default 200 */
  readonly initialBackoffMs?: number;
  /** First retry delay after RESOURCE_EXHAUSTED (quota), ms; doubles per attempt. @default 2000 */
  readonly quotaBackoffMs?: number;
  /** Longest retry delay, ms. @default 30000 */
  readonly maxBackoffMs?: number;
  /** Deadline of one request, ms. @default 60000 */
  readonly timeoutMs?: number;
  /** How to wait between attempts (tests pass a fake). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called after each request with what was sent; for metrics. */
  readonly onRequest?: (info: DlpRequestInfo) => void;
  /** Requests in flight at once for one `inspectRows` call (mind the project's requests-per-minute quota). @default 4 */
  readonly concurrency?: number;
}

/** What one request carried and how it went. */
export interface DlpRequestInfo {
  readonly table: string;
  readonly rows: number;
  readonly values: number;
  /** Encoded request size in bytes. */
  readonly bytes: number;
  /** Attempts made (1 when the first succeeded). */
  readonly attempts: number;
  /** gRPC status name of the last failure, if the request failed in the end. */
  readonly error?: string;
  /** DLP returned fewer findings than it found. */
  readonly truncated: boolean;
}

/** Cloud DLP refused a request or stayed unavailable; `code` is the gRPC status name. */
export class DlpInspectError extends Error {
  constructor(
    message: string,
    public readonly code: string,
    public readonly attempts: number,
  ) {
    super(message);
    this.name = 'DlpInspectError';
  }
}

/** The Cloud DLP backend. */
export class CloudDlpDetector implements SensitiveDataDetector {
  public readonly backend = 'cloud-dlp' as const;
  private readonly client: DlpClientLike;
  private readonly parent: string;
  private readonly config: InspectContentRequest['inspectConfig'];
  private readonly maxRequestBytes: number;
  private readonly maxTableValues: number;
  private readonly maxAttempts: number;
  private readonly initialBackoffMs: number;
  private readonly quotaBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onRequest?: (info: DlpRequestInfo) => void;
  private readonly concurrency: number;
  /** Encoded size of the `parent` and `inspect_config` fields. */
  private readonly headBytes: number;
  /** `headBytes` plus the largest framing of the item and table fields: what a batch's rows and headers must leave. */
  private readonly fixedBytes: number;

  constructor(options: CloudDlpDetectorOptions) {
    if (!options.projectId) throw new Error('The cloud-dlp backend needs projectId: the Google Cloud project the DLP requests are made in.');
    const minLikelihood = options.minLikelihood ?? 'POSSIBLE';
    if (likelihoodRank(minLikelihood) < 0) throw new Error(`minLikelihood must be one of ${LIKELIHOODS.join(', ')}, got "${minLikelihood}"`);
    this.parent = `projects/${options.projectId}/locations/${options.location ?? 'global'}`;
    this.config = {
      infoTypes: (options.infoTypes ?? LOCAL_INFO_TYPES).map((name) => ({ name })),
      minLikelihood,
      includeQuote: options.includeQuote ?? true,
      limits: { maxFindingsPerRequest: Math.min(options.maxFindingsPerRequest ?? 3000, 3000) },
    };
    this.maxRequestBytes = options.maxRequestBytes ?? DLP_MAX_REQUEST_BYTES;
    this.maxTableValues = options.maxTableValues ?? DLP_MAX_TABLE_VALUES;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 6);
    this.initialBackoffMs = options.initialBackoffMs ?? 200;
    this.quotaBackoffMs = options.quotaBackoffMs ?? 2000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30000;
    this.timeoutMs = options.timeoutMs ?? 60000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.onRequest = options.onRequest;
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
    if (options.client) this.client = options.client;
    else {
      // Loaded here so that the local backend never loads gRPC.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const dlp = require('@google-cloud/dlp') as typeof import('@google-cloud/dlp');
      this.client = new dlp.DlpServiceClient(options.clientOptions) as unknown as DlpClientLike;
    }
    let configBytes = 0;
    for (const t of this.config.infoTypes) configBytes += fieldSize(fieldSize(utf8Length(t.name)));
    configBytes += 2 + 2 + fieldSize(1 + varintSize(this.config.limits!.maxFindingsPerRequest));
    this.headBytes = fieldSize(utf8Length(this.parent)) + fieldSize(configBytes);
    // the item and table fields: a tag byte and a length of up to 4 bytes each
    this.fixedBytes = this.headBytes + 2 * 5;
  }

  async inspectText(text: string): Promise<Finding[]> {
    // One-cell table so that long text gets the same chunking as cells.
    const findings = await this.inspectRows('', [{ text }]);
    return findings.map((f) => ({ ...f, location: { ...f.location, contentLocations: [] } }));
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** The requests `inspectRows` would send for these rows (no network); for tests and the benchmark. */
  planBatches(rows: readonly Row[]): { rows: number; values: number; bytes: number }[] {
    const { batches } = this.batch(rows);
    return batches.map((b) => ({ rows: b.rows.length, values: b.rows.length * b.headers.length, bytes: this.requestBytes(b) }));
  }

  async inspectRows(table: string, rows: readonly Row[]): Promise<Finding[]> {
    const { batches, chunked, columns } = this.batch(rows);
    if (columns.length === 0) return [];
    // up to `concurrency` requests in flight; findings keep the order of the batches
    const results: Finding[][] = batches.map(() => []);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const i = next++;
        await this.inspectBatch(table, batches[i], results[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batches.length) }, worker));
    const out = results.length === 1 ? results[0] : results.flat();
    if (chunked || out.length > 1) {
      // chunks of big cells, and parts of batches split after truncation, come back out of
      // order: back to row, column, position order
      const col = new Map(columns.map((c, i) => [c, i]));
      const key = (f: Finding) => f.location.contentLocations[0]?.recordLocation;
      out.sort((a, b) => {
        const x = key(a)!;
        const y = key(b)!;
        return (
          x.tableLocation.rowIndex - y.tableLocation.rowIndex ||
          col.get(x.fieldId.name)! - col.get(y.fieldId.name)! ||
          a.location.codepointRange.start - b.location.codepointRange.start ||
          b.location.codepointRange.end - a.location.codepointRange.end
        );
      });
    }
    return out;
  }

  /** Exact encoded size of the request for a batch. */
  private requestBytes(b: Batch): number {
    let tableBytes = 0;
    for (const h of b.headers) tableBytes += fieldSize(fieldSize(utf8Length(h.name)));
    for (const r of b.rows) tableBytes += fieldSize(this.rowSize(r.values));
    return this.headBytes + fieldSize(fieldSize(tableBytes));
  }

  private rowSize(values: DlpValue[]): number {
    let size = 0;
    for (const v of values) size += fieldSize(valueSize(v));
    return size;
  }

  /**
   * Rows in request-sized batches, in order. A row too big for a request has its largest cells
   * taken out and sent as chunks: extra rows of the same table holding one chunk each (other
   * columns empty), sized to fill the batch they go in. Chunks overlap by `CHUNK_OVERLAP`
   * units; a finding belongs to the chunk in which it starts before the middle of the overlap,
   * so each is seen whole (the overlap is longer than any finding) and with its context words.
   */
  private batch(rows: readonly Row[]): { batches: Batch[]; chunked: boolean; columns: string[] } {
    const columns = columnsOf(rows);
    if (columns.length > this.maxTableValues) {
      throw new Error(`Rows with ${columns.length} columns cannot go in a DLP table item (at most ${this.maxTableValues} values per request)`);
    }
    const headers = columns.map((name) => ({ name }));
    let headerBytes = 0;
    for (const h of headers) headerBytes += fieldSize(fieldSize(utf8Length(h.name)));
    const budget = this.maxRequestBytes - this.fixedBytes - headerBytes;
    const rowsPerRequest = Math.max(1, Math.floor(this.maxTableValues / Math.max(1, columns.length)));
    // a chunk row: row tag + length (≤ 4), the chunk's value field (tags and lengths ≤ 8), the other columns empty
    const chunkRowOverhead = 12 + 2 * (columns.length - 1);
    const minChunkBytes = Math.min(budget - chunkRowOverhead, 3 * CHUNK_OVERLAP * 2);
    const batches: Batch[] = [];
    let current: Batch = { rowIndexes: [], rows: [], headers };
    let bytes = 0;
    let chunked = false;
    const flush = () => {
      batches.push(current);
      current = { rowIndexes: [], rows: [], headers };
      bytes = 0;
    };
    for (let i = 0; i < rows.length; i++) {
      const values = columns.map((c) => toDlpValue(rows[i][c]));
      let size = fieldSize(this.rowSize(values));
      const big: number[] = [];
      if (size > budget) {
        big.push(...takeBiggestCells(values, size, budget));
        size = fieldSize(this.rowSize(values));
        chunked = true;
        if (minChunkBytes <= 3 * CHUNK_OVERLAP) {
          throw new Error(
            `Row ${i} is bigger than a request, and maxRequestBytes ${this.maxRequestBytes} leaves too little room to send its big cells in chunks (rows of ${columns.length} columns); raise maxRequestBytes`,
          );
        }
      }
      if (current.rows.length > 0 && (bytes + size > budget || current.rows.length >= rowsPerRequest)) flush();
      current.rows.push({ values });
      current.rowIndexes.push(i);
      bytes += size;
      for (const k of big) {
        const text = cellText(rows[i][columns[k]]) ?? '';
        let unit = 0;
        let byte = 0;
        let codepoint = 0;
        let keepFrom = 0;
        while (unit < text.length) {
          let room = budget - bytes - chunkRowOverhead;
          if (room < minChunkBytes || current.rows.length >= rowsPerRequest) {
            flush();
            room = budget - chunkRowOverhead;
          }
          const end = chunkEnd(text, unit, room);
          const chunkValues: DlpValue[] = columns.map(() => ({}));
          chunkValues[k] = { stringValue: text.slice(unit, end) };
          const offset: ChunkOffset = { column: columns[k], byte, codepoint, keepFrom, keepBefore: Infinity };
          current.chunks ??= [];
          current.chunks[current.rows.length] = offset;
          current.rows.push({ values: chunkValues });
          current.rowIndexes.push(i);
          bytes += fieldSize(this.rowSize(chunkValues));
          if (end === text.length) break;
          // the next chunk starts CHUNK_OVERLAP units before this one ends
          let next = end - CHUNK_OVERLAP;
          if (isLowSurrogate(text.charCodeAt(next))) next--;
          if (next <= unit) throw new Error(`Internal error: chunk of ${end - unit} units is not longer than the overlap`);
          let middle = next + CHUNK_OVERLAP / 2;
          if (isLowSurrogate(text.charCodeAt(middle))) middle--;
          const nextCodepoint = codepoint + countCodepoints(text, unit, next);
          keepFrom = nextCodepoint + countCodepoints(text, next, middle);
          offset.keepBefore = keepFrom;
          byte += utf8Length(text, unit, next);
          codepoint = nextCodepoint;
          unit = next;
        }
      }
    }
    if (current.rows.length > 0) batches.push(current);
    return { batches, chunked, columns };
  }

  private async inspectBatch(table: string, batch: Batch, out: Finding[]): Promise<void> {
    const request: InspectContentRequest = {
      parent: this.parent,
      inspectConfig: this.config,
      item: { table: { headers: batch.headers, rows: batch.rows } },
    };
    const response = (await this.call(table, batch, request)) as InspectContentResponse;
    const result = response.result ?? {};
    if (result.findingsTruncated) {
      const parts = splitBatch(batch);
      if (parts) {
        for (const part of parts) await this.inspectBatch(table, part, out);
        return;
      }
    }
    for (const f of result.findings ?? []) {
      const finding = toFinding(f, table, batch);
      if (finding) out.push(finding);
    }
  }

  private async call(table: string, batch: Batch, request: InspectContentRequest): Promise<unknown> {
    const bytes = this.requestBytes(batch);
    const values = batch.rows.length * batch.headers.length;
    let delay = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const [response] = (await this.client.inspectContent(request, { retry: null, timeout: this.timeoutMs })) as [unknown];
        const truncated = Boolean((response as InspectContentResponse)?.result?.findingsTruncated);
        this.onRequest?.({ table, rows: batch.rows.length, values, bytes, attempts: attempt, truncated });
        return response;
      } catch (caught) {
        const err = (caught ?? {}) as { code?: unknown; details?: string; message?: string };
        const code = typeof err.code === 'number' ? err.code : 2;
        const name = STATUS_NAMES[code] ?? `code ${code}`;
        const details = err.details || err.message || String(caught);
        if (RETRYABLE.has(code) && attempt < this.maxAttempts) {
          const base = code === RESOURCE_EXHAUSTED ? this.quotaBackoffMs : this.initialBackoffMs;
          delay = Math.min(this.maxBackoffMs, delay === 0 ? base : Math.max(base, delay * 2));
          // equal jitter: somewhere in [delay/2, delay]
          await this.sleep(delay / 2 + Math.random() * (delay / 2));
          continue;
        }
        this.onRequest?.({ table, rows: batch.rows.length, values, bytes, attempts: attempt, error: name, truncated: false });
        throw new DlpInspectError(explain(name, details, attempt, table, batch.rows.length, bytes, this.parent), name, attempt);
      }
    }
  }
}

function explain(code: string, details: string, attempts: number, table: string, rows: number, bytes: number, parent: string): string {
  const what = `Cloud DLP inspectContent for ${rows} row(s) of ${table || 'text'} (${bytes} bytes, ${parent}) failed with ${code}: ${details}`;
  switch (code) {
    case 'RESOURCE_EXHAUSTED':
      return `${what}. Gave up after ${attempts} attempts: the project's DLP quota is exhausted; raise the "Content inspection requests" quota or lower the rate (fewer workers, larger batches).`;
    case 'UNAVAILABLE':
    case 'DEADLINE_EXCEEDED':
    case 'ABORTED':
    case 'INTERNAL':
      return `${what}. Gave up after ${attempts} attempts; check connectivity to the DLP endpoint, or raise maxAttempts/timeoutMs.`;
    case 'PERMISSION_DENIED':
      return `${what}. The worker's service account needs roles/dlp.user on the project, and the DLP API (dlp.googleapis.com) must be enabled.`;
    case 'UNAUTHENTICATED':
      return `${what}. No valid credentials: run with a service account (Application Default Credentials) or pass clientOptions.credentials.`;
    case 'INVALID_ARGUMENT':
      return `${what}. DLP rejected the request; check the info type names and, if the request was too large, lower maxRequestBytes or maxTableValues.`;
    case 'NOT_FOUND':
      return `${what}. Check projectId and location.`;
    default:
      return `${what}.`;
  }
}

/** The parts of `InspectContentResponse` used here; int64 fields arrive as strings. */
interface InspectContentResponse {
  result?: {
    findingsTruncated?: boolean;
    findings?: {
      quote?: string;
      infoType?: { name?: string };
      likelihood?: string | number;
      location?: {
        byteRange?: { start?: string | number; end?: string | number };
        codepointRange?: { start?: string | number; end?: string | number };
        contentLocations?: { recordLocation?: { fieldId?: { name?: string }; tableLocation?: { rowIndex?: string | number } } }[];
      };
    }[];
  };
}

type RawFinding = NonNullable<NonNullable<InspectContentResponse['result']>['findings']>[number];

function toFinding(f: RawFinding, table: string, batch: Batch): Finding | undefined {
  const loc = f.location ?? {};
  const record = loc.contentLocations?.[0]?.recordLocation;
  const requestRow = Number(record?.tableLocation?.rowIndex ?? 0);
  let byteStart = Number(loc.byteRange?.start ?? 0);
  let byteEnd = Number(loc.byteRange?.end ?? 0);
  let cpStart = Number(loc.codepointRange?.start ?? 0);
  let cpEnd = Number(loc.codepointRange?.end ?? 0);
  let column = record?.fieldId?.name ?? '';
  const rowIndex = batch.rowIndexes[requestRow] ?? requestRow;
  const o = batch.chunks?.[requestRow];
  if (o) {
    byteStart += o.byte;
    byteEnd += o.byte;
    cpStart += o.codepoint;
    cpEnd += o.codepoint;
    column = o.column;
    if (cpStart < o.keepFrom || cpStart >= o.keepBefore) return undefined;
  }
  const likelihood = (typeof f.likelihood === 'number' ? ['LIKELIHOOD_UNSPECIFIED', ...LIKELIHOODS][f.likelihood] : f.likelihood) as Likelihood;
  const contentLocations: ContentLocation[] = [{ containerName: table, recordLocation: { fieldId: { name: column }, tableLocation: { rowIndex } } }];
  const location = {
    byteRange: { start: byteStart, end: byteEnd },
    codepointRange: { start: cpStart, end: cpEnd },
    contentLocations,
  };
  const infoType = { name: f.infoType?.name ?? '' };
  return f.quote !== undefined && f.quote !== '' ? { quote: f.quote, infoType, likelihood, location } : { infoType, likelihood, location };
}
