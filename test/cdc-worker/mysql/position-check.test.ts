/**
 * A stored offset whose binlogs were purged stops the worker at start (mysql/position-check.ts),
 * for each kind of position: file/position, MySQL GTID set, MariaDB GTID position. (On the real
 * MariaDB: test/integration/cdc-worker-mysql-purged.test.ts.)
 */
import { MySqlGtidSet } from '../../../lib/cdc-worker/mysql/gtid';
import { BinlogPositionGoneError, purgedProblem } from '../../../lib/cdc-worker/mysql/position-check';

const U = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const V = '4f22fa47-71ca-11e1-9e33-c80aa9429562';

describe('MySQL GTID set difference', () => {
  test('what the first set has and the second does not, interval by interval', () => {
    const purged = MySqlGtidSet.parse(`${U}:1-100,${V}:1-5`);
    expect(purged.minus(MySqlGtidSet.parse(`${U}:1-120,${V}:1-5`)).toString()).toBe('');
    expect(purged.minus(MySqlGtidSet.parse(`${U}:1-40:50-60`)).toString()).toBe(`${U}:41-49:61-100,${V}:1-5`);
    expect(purged.minus(MySqlGtidSet.parse(`${U}:2-99,${V}:3`)).toString()).toBe(`${U}:1:100,${V}:1-2:4-5`);
    expect(purged.minus(MySqlGtidSet.parse('')).toString()).toBe(purged.toString());
  });
});

describe('stored position against the binlogs left on the server', () => {
  const files = ['mariadb-bin.000012', 'mariadb-bin.000013'];

  test('file/position: the file must still be listed', () => {
    expect(purgedProblem('mysql', { gtid: '', file: 'mariadb-bin.000012', pos: 400 }, { files })).toBeNull();
    expect(purgedProblem('mysql', { gtid: '', file: 'mariadb-bin.000009', pos: 400 }, { files })).toBe(
      "the stored offset's binlog file mariadb-bin.000009 (position 400) is no longer on the server, whose oldest binlog is mariadb-bin.000012",
    );
  });

  test('MySQL GTIDs: every purged GTID must be in the stored set', () => {
    expect(purgedProblem('mysql', { gtid: `${U}:1-100`, file: 'b.000003', pos: 4 }, { files, gtidPurged: `${U}:1-90` })).toBeNull();
    expect(purgedProblem('mysql', { gtid: `${U}:1-100`, file: 'b.000003', pos: 4 }, { files, gtidPurged: '' })).toBeNull();
    expect(purgedProblem('mysql', { gtid: `${U}:1-100`, file: 'b.000003', pos: 4 }, { files, gtidPurged: `${U}:1-130,${V}:1-2` })).toBe(
      `the server has purged GTIDs the stored offset does not contain (${U}:101-130,${V}:1-2; stored GTID set ${U}:1-100, binlog file b.000003)`,
    );
  });

  test('MariaDB GTIDs: per domain, the stored sequence at or after the Gtid_list opening the oldest binlog', () => {
    const at = (gtid: string, list: string) => purgedProblem('mariadb', { gtid, file: 'mariadb-bin.000010', pos: 4 }, { files, oldestGtidList: list });
    expect(at('0-1-63', '0-1-63')).toBeNull(); // nothing written between: nothing lost
    expect(at('0-1-70,1-2-9', '0-1-63,1-2-9')).toBeNull();
    expect(at('0-1-70', '')).toBeNull(); // the server's first binlog
    expect(at('0-1-57', '0-1-63')).toBe(
      "the stored offset's GTID position 0-1-57 (binlog file mariadb-bin.000010) is older than the server's oldest binlog mariadb-bin.000012, which starts after 0-1-63",
    );
    expect(at('0-1-70', '0-1-63,1-2-4')).toMatch(/which starts after 1-2-4$/); // a domain the stored position never saw
  });

  test('the error names what is gone and the way out (a new snapshot after deleting the stored offset)', () => {
    const e = new BinlogPositionGoneError(
      "the stored offset's binlog file b.000001 (position 4) is no longer on the server, whose oldest binlog is b.000007",
      'mysql:shop',
      'shop.cdc-worker.offsets',
    );
    expect(e.message).toBe(
      "the stored offset's binlog file b.000001 (position 4) is no longer on the server, whose oldest binlog is b.000007. " +
        "Changes after the stored offset were purged before the worker read them; streaming from the server's oldest binlog would skip them, so the worker stops. " +
        'Way out: take a new snapshot: ' +
        'delete the stored offset (key "mysql:shop" in topic shop.cdc-worker.offsets) and start again with source.snapshotMode "initial" (source.snapshotMode "when_needed", which re-snapshots by itself when the stored position is gone, is PostgreSQL only for now). ' +
        'Keep binlogs longer than the worker can be down (binlog_expire_logs_seconds / expire_logs_days).',
    );
  });
});
