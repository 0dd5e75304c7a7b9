/**
 * The logical replication stream, spoken directly over `pg`'s CopyBoth stream. Nothing is ever
 * acknowledged here on its own: the engine sends standby status updates with
 * {@link ReplicationConnection.sendStatus}.
 */
import { Client, ClientConfig } from 'pg';
import { decodeReplicationMessage, encodeStandbyStatus as encodeStatus, parseLsn, ReplicationMessage } from './protocol';
import { ResolvedCdcWorkerConfig } from '../core/config';
import { clientConfig, quoteIdent, quoteLiteral } from './catalog';

/**
 * A walsender connection (`replication=database`). Creates the slot (exporting a snapshot),
 * then streams; CopyData payloads are handed to `onMessage` in order.
 */
export class ReplicationConnection {
  readonly client: Client;
  private streaming = false;
  private ended: Promise<void> | null = null;

  private onError: ((e: Error) => void) | null = null;

  constructor(cfg: ResolvedCdcWorkerConfig['source']) {
    this.client = new Client(clientConfig(cfg, { replication: 'database' } as Partial<ClientConfig>));
    // An error while no query runs (the server shutting down during the snapshot, when this
    // connection only holds the exported snapshot) is an 'error' event, which would crash the
    // process without a listener. Before start() the next command on the connection fails anyway.
    this.client.on('error', (e) => this.onError?.(e));
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  /** CREATE_REPLICATION_SLOT … EXPORT_SNAPSHOT; the snapshot lives until the next command on this connection. */
  async createSlot(name: string): Promise<{ consistentPoint: bigint; snapshotName: string }> {
    const res = await this.client.query(`CREATE_REPLICATION_SLOT ${quoteIdent(name)} LOGICAL pgoutput EXPORT_SNAPSHOT`);
    const row = res.rows[0];
    return { consistentPoint: parseLsn(row.consistent_point), snapshotName: row.snapshot_name };
  }

  /** Starts streaming from the slot's confirmed position. Resolves when the stream ends. */
  start(slot: string, publication: string, onMessage: (m: ReplicationMessage) => void, onError: (e: Error) => void): void {
    const con = (this.client as unknown as { connection: { on: (e: string, f: (m: { chunk: Buffer }) => void) => void } }).connection;
    con.on('copyData', (msg) => {
      try {
        onMessage(decodeReplicationMessage(msg.chunk));
      } catch (e) {
        onError(e as Error);
      }
    });
    this.streaming = true;
    const sql = `START_REPLICATION SLOT ${quoteIdent(slot)} LOGICAL 0/0 (proto_version '1', publication_names ${quoteLiteral(quoteIdent(publication))})`;
    this.ended = this.client.query(sql).then(
      () => {
        this.streaming = false;
      },
      (e: Error) => {
        this.streaming = false;
        onError(e);
      },
    );
    this.onError = onError;
  }

  /** Reports `lsn` as written, flushed and applied: the slot may then release WAL before it. */
  sendStatus(lsn: bigint, replyRequested = false): void {
    if (!this.streaming) return;
    const con = (this.client as unknown as { connection: { sendCopyFromChunk: (b: Buffer) => void } }).connection;
    con.sendCopyFromChunk(encodeStatus(lsn, Date.now() * 1000, replyRequested));
  }

  pause(): void {
    (this.client as unknown as { connection: { stream: NodeJS.ReadableStream } }).connection.stream.pause();
  }

  resume(): void {
    (this.client as unknown as { connection: { stream: NodeJS.ReadableStream } }).connection.stream.resume();
  }

  async close(): Promise<void> {
    try {
      await this.client.end();
    } catch {
      /* already closed */
    }
  }

  get ending(): Promise<void> | null {
    return this.ended;
  }
}
