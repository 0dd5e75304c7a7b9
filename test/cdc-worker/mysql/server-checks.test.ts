import { binlogSettingProblems } from '../../../lib/cdc-worker/mysql/connection';
import { explainBinlogError } from '../../../lib/cdc-worker/mysql/binlog';
import { literalDefault } from '../../../lib/cdc-worker/mysql/schema';

describe('server checks', () => {
  test('each unsupported binlog setting is named with the value to set', () => {
    expect(binlogSettingProblems('mariadb', { log_bin: 'ON', binlog_format: 'ROW', binlog_row_image: 'FULL', log_bin_compress: 'OFF' })).toEqual([]);
    expect(binlogSettingProblems('mariadb', { log_bin: 'OFF', binlog_format: 'MIXED', binlog_row_image: 'MINIMAL', log_bin_compress: 'ON' })).toEqual([
      'log_bin is OFF: enable the binary log (log_bin / log-bin in the server config)',
      'binlog_format is MIXED: set binlog_format=ROW',
      'binlog_row_image is MINIMAL: set binlog_row_image=FULL (before images and unchanged columns are needed)',
      'log_bin_compress is ON: compressed binlog events are not supported; set log_bin_compress=OFF',
    ]);
    expect(
      binlogSettingProblems('mysql', {
        log_bin: '1',
        binlog_format: 'ROW',
        binlog_row_image: 'FULL',
        binlog_transaction_compression: 'ON',
        binlog_row_value_options: 'PARTIAL_JSON',
      }),
    ).toEqual([
      'binlog_transaction_compression is ON: compressed transaction payloads are not supported; set binlog_transaction_compression=OFF',
      "binlog_row_value_options is PARTIAL_JSON: partial JSON updates are not supported; set binlog_row_value_options=''",
    ]);
  });

  test("zongji's errors for compressed and partial events name the setting", () => {
    expect(explainBinlogError(new Error('Server sent a TRANSACTION_PAYLOAD_EVENT (binlog_transaction_compression=ON).')).message).toMatch(
      /set binlog_transaction_compression=OFF/,
    );
    expect(explainBinlogError(new Error('Server sent a PARTIAL_UPDATE_ROWS_EVENT')).message).toMatch(/set binlog_row_value_options=''/);
    expect(explainBinlogError(new Error("Error: connecting slave requested to start from GTID 0-1-9, which is not in the master's binlog")).message).toMatch(
      /not on the server \(connecting slave .*\): its binlogs were purged .* delete the stored offset to take a new snapshot/,
    );
    const other = new Error('boom');
    expect(explainBinlogError(other)).toBe(other);
  });

  test('literal defaults from information_schema: MariaDB quotes strings, expressions are left out', () => {
    expect(literalDefault("'it''s'", '', 'varchar', 'mariadb')).toBe("it's");
    expect(literalDefault('5', '', 'int', 'mariadb')).toBe('5');
    expect(literalDefault('NULL', '', 'int', 'mariadb')).toBeUndefined();
    expect(literalDefault('current_timestamp()', '', 'timestamp', 'mariadb')).toBeUndefined();
    expect(literalDefault('abc', '', 'varchar', 'mysql')).toBe('abc');
    expect(literalDefault('CURRENT_TIMESTAMP', 'DEFAULT_GENERATED', 'timestamp', 'mysql')).toBeUndefined();
  });
});
