/** Column definitions and envelope options the MySQL/MariaDB unit tests share. */
import { MySqlColumnDef, MySqlEnvelopeOptions, mapMySqlColumn } from '../../../lib/cdc-worker/mysql/envelope';

export const opts: MySqlEnvelopeOptions = {
  engine: 'mariadb',
  topicPrefix: 'shop',
  schemasEnable: true,
  debeziumVersion: '3.5.0.Final',
  decimalHandlingMode: 'precise',
  tombstonesOnDelete: true,
  unknownTypes: 'fail',
};

export const col = (name: string, columnType: string, extra: Partial<MySqlColumnDef> = {}): MySqlColumnDef => ({
  name,
  dataType: columnType.replace(/\(.*$/, '').replace(/ .*$/, ''),
  columnType,
  nullable: true,
  ...extra,
});

export const conv = (c: MySqlColumnDef, v: unknown) => mapMySqlColumn(c, opts).convert(v);
