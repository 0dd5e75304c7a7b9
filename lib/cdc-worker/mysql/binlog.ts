/**
 * The binlog stream (zongji) started from a GTID position or a file/position, decoding table maps
 * with the schema history's columns.
 */
import type ZongJiType from '@vlasky/zongji';
import type { ZongJiOptions } from '@vlasky/zongji';
import { ResolvedCdcWorkerConfig } from '../core/config';
import { MySqlColumnDef } from './type-mapping';
import { mysqlConnectionOptions } from './connection';

export type BinlogEvent = Record<string, unknown> & { getEventName(): string; timestamp: number; nextPosition: number; size: number; gtid?: string };

export interface BinlogStartPosition {
  gtid?: string;
  file?: string;
  pos?: number;
}

/**
 * zongji is an ES module: Node 20.19+ (and 22.12+) load it with require(); older Node 20 releases
 * need a real dynamic import, which TypeScript's CommonJS output would turn into require().
 */
async function loadZongJi(): Promise<typeof ZongJiType> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('@vlasky/zongji') as { default: typeof ZongJiType }).default;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw e;
    const dynamicImport = new Function('s', 'return import(s)') as (s: string) => Promise<{ default: typeof ZongJiType }>;
    return (await dynamicImport('@vlasky/zongji')).default;
  }
}

/** The binlog connection (zongji). Events are handed over in order; nothing is acknowledged to the server. */
export class BinlogStream {
  private zongji: ZongJiType | null = null;

  constructor(
    private readonly cfg: ResolvedCdcWorkerConfig['source'] & { serverId: number },
    private readonly tables: string[],
  ) {}

  /**
   * @param columnsAt the schema history: the columns of a captured table as of the table map being
   *   decoded (zongji would otherwise read today's definition from information_schema, which is wrong
   *   for events written before a later DDL).
   */
  async start(
    from: BinlogStartPosition,
    onEvent: (e: BinlogEvent) => void,
    onError: (e: Error) => void,
    columnsAt?: (database: string, table: string) => Promise<MySqlColumnDef[] | undefined>,
  ): Promise<void> {
    const ZongJi = await loadZongJi();
    const z = new ZongJi(mysqlConnectionOptions(this.cfg) as ConstructorParameters<typeof ZongJiType>[0]);
    this.zongji = z;
    const includeSchema: Record<string, string[]> = {};
    for (const t of this.tables) {
      const [db, table] = [t.slice(0, t.indexOf('.')), t.slice(t.indexOf('.') + 1)];
      (includeSchema[db] ??= []).push(table);
    }
    if (columnsAt) {
      const zi = z as unknown as {
        _fetchTableInfo(ev: TableMapLike, next: () => void): void;
        tableMap: Record<number, unknown>;
      };
      const fromServer = zi._fetchTableInfo.bind(z);
      zi._fetchTableInfo = (ev, next) => {
        columnsAt(ev.schemaName, ev.tableName).then(
          (cols) => {
            if (!cols) return fromServer(ev, next);
            const problem = tableMapMismatch(ev, cols);
            if (problem) return onError(new Error(problem));
            zi.tableMap[ev.tableId] = {
              columnSchemas: cols.map((c) => ({
                COLUMN_NAME: c.name,
                COLLATION_NAME: c.collationName ?? null,
                CHARACTER_SET_NAME: c.characterSetName ?? null,
                COLUMN_COMMENT: '',
                COLUMN_TYPE: c.columnType,
              })),
              parentSchema: ev.schemaName,
              tableName: ev.tableName,
            };
            next();
          },
          (e: Error) => onError(e),
        );
      };
    }
    z.on('error', (e: Error) => onError(explainBinlogError(e)));
    z.on('binlog', (e: unknown) => onEvent(e as BinlogEvent));
    // an error before 'ready' (bad position, purged binlog, no privilege) fails start() itself
    const ready = new Promise<void>((resolve, reject) => {
      z.once('ready', () => resolve());
      z.once('error', (e: Error) => reject(explainBinlogError(e)));
    });
    const opts: ZongJiOptions = {
      serverId: this.cfg.serverId,
      includeEvents: ['rotate', 'tablemap', 'writerows', 'updaterows', 'deleterows', 'query', 'xid', 'gtid', 'mariadbgtid'],
      includeSchema,
    };
    if (from.gtid !== undefined && from.gtid !== '') opts.gtidSet = from.gtid;
    else if (from.file) {
      opts.filename = from.file;
      opts.position = from.pos ?? 4;
    } else opts.startAtEnd = true;
    z.start(opts);
    return ready;
  }

  pause(): void {
    (this.zongji as unknown as { connection?: { pause(): void } } | null)?.connection?.pause();
  }

  resume(): void {
    (this.zongji as unknown as { connection?: { resume(): void } } | null)?.connection?.resume();
  }

  async close(): Promise<void> {
    const z = this.zongji;
    this.zongji = null;
    if (!z) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 3000);
      z.once('stopped', () => {
        clearTimeout(t);
        resolve();
      });
      try {
        z.stop();
      } catch {
        clearTimeout(t);
        resolve();
      }
    });
  }
}

interface TableMapLike {
  tableId: number;
  schemaName: string;
  tableName: string;
  columnCount: number;
  columnTypes: number[];
}

/** Binlog column type codes each information_schema DATA_TYPE may be written with. */
const BINLOG_TYPES: Record<string, number[]> = {
  tinyint: [1],
  bool: [1],
  boolean: [1],
  smallint: [2],
  mediumint: [9],
  int: [3],
  integer: [3],
  bigint: [8],
  float: [4],
  double: [5],
  real: [5],
  decimal: [246, 0],
  numeric: [246, 0],
  bit: [16],
  year: [13],
  date: [10, 14],
  time: [11, 19],
  datetime: [12, 18],
  timestamp: [7, 17],
  char: [254, 15],
  binary: [254, 15],
  varchar: [15, 141],
  varbinary: [15, 141],
  enum: [254, 247],
  set: [254, 248],
  tinytext: [252, 140],
  text: [252, 140],
  mediumtext: [252, 140],
  longtext: [252, 140],
  tinyblob: [252, 140],
  blob: [252, 140],
  mediumblob: [252, 140],
  longblob: [252, 140],
  json: [245, 252],
  geometry: [255],
  point: [255],
  linestring: [255],
  polygon: [255],
};

/**
 * Checks a table map against the schema history: the number of columns and each column's binlog
 * type must fit. A mismatch means the history is out of step with the binlog (it would decode the
 * row wrongly), so the worker stops instead.
 */
export function tableMapMismatch(ev: Pick<TableMapLike, 'schemaName' | 'tableName' | 'columnCount' | 'columnTypes'>, cols: MySqlColumnDef[]): string | null {
  const where = `${ev.schemaName}.${ev.tableName}`;
  const advice = 'the schema history is out of step with the binlog (a DDL the worker could not follow); delete the stored offset to take a new snapshot';
  if (ev.columnCount !== cols.length) return `table map of ${where} has ${ev.columnCount} columns, the schema history ${cols.length}: ${advice}`;
  for (let i = 0; i < cols.length; i++) {
    const allowed = BINLOG_TYPES[cols[i].dataType];
    if (allowed && !allowed.includes(ev.columnTypes[i])) {
      return `table map of ${where}: column ${i + 1} (${cols[i].name} ${cols[i].columnType}) has binlog type ${ev.columnTypes[i]}: ${advice}`;
    }
  }
  return null;
}

/** Turns zongji's and the server's messages about unsupported binlog features into ones naming the setting. */
export function explainBinlogError(e: Error): Error {
  const m = e.message ?? '';
  if (/TRANSACTION_PAYLOAD/.test(m))
    return new Error('compressed transaction payload in the binlog: not supported; set binlog_transaction_compression=OFF on the server');
  if (/PARTIAL_UPDATE_ROWS|PARTIAL_JSON/.test(m))
    return new Error("partial JSON update in the binlog: not supported; set binlog_row_value_options='' on the server");
  if (/Could not find GTID state|GTID.*(purged|not found)|has been purged|Could not find first log file|not in the master's binlog/i.test(m)) {
    return new Error(
      `the binlog position to resume from is not on the server (${m.replace(/^Error: /, '')}): its binlogs were purged (raise binlog_expire_logs_seconds / expire_logs_days) or the offset belongs to another server; delete the stored offset to take a new snapshot`,
    );
  }
  return e;
}
