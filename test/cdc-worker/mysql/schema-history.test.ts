import { retargetAlter, showColumnDef, temporaryCreate } from '../../../lib/cdc-worker/mysql/schema';
import { tableMapMismatch } from '../../../lib/cdc-worker/mysql/binlog';
import { col } from './fixtures';

describe('schema history helpers', () => {
  test('an ALTER TABLE is aimed at the history table, qualified or not; other statements are not', () => {
    expect(retargetAlter('ALTER TABLE `shop`.`orders` ADD COLUMN x INT', 'shop', 'h')).toBe('ALTER TABLE `shop`.`h` ADD COLUMN x INT');
    expect(retargetAlter('/* c */ alter online ignore table orders drop column y', 'shop', 'h')).toBe(
      '/* c */ alter online ignore table `shop`.`h` drop column y',
    );
    expect(retargetAlter('RENAME TABLE a TO b', 'shop', 'h')).toBeNull();
  });

  test('CREATE TABLE text becomes a TEMPORARY table without foreign keys', () => {
    const create =
      'CREATE TABLE `orders` (\n  `id` int(11) NOT NULL,\n  `c` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n  CONSTRAINT `fk` FOREIGN KEY (`c`) REFERENCES `customers` (`id`)\n) ENGINE=InnoDB';
    expect(temporaryCreate(create, 'shop', 'h')).toBe(
      'CREATE TEMPORARY TABLE `shop`.`h` (\n  `id` int(11) NOT NULL,\n  `c` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB',
    );
  });

  test('SHOW FULL COLUMNS rows give the same column definitions as information_schema', () => {
    const pk = new Map([['id', 1]]);
    expect(showColumnDef({ Field: 'id', Type: 'int(11)', Collation: null, Null: 'NO', Key: 'PRI', Default: null, Extra: '' }, pk)).toMatchObject({
      name: 'id',
      dataType: 'int',
      nullable: false,
      pkPosition: 1,
      defaultText: undefined,
    });
    expect(showColumnDef({ Field: 'n', Type: 'decimal(12,3)', Collation: null, Null: 'YES', Key: '', Default: '1.500', Extra: '' }, pk)).toMatchObject({
      dataType: 'decimal',
      numericPrecision: 12,
      numericScale: 3,
      defaultText: '1.500',
    });
    expect(
      showColumnDef({ Field: 't', Type: 'datetime(6)', Collation: null, Null: 'YES', Key: '', Default: 'current_timestamp(6)', Extra: '' }, pk),
    ).toMatchObject({ datetimePrecision: 6, defaultText: undefined });
    expect(
      showColumnDef({ Field: 's', Type: 'varchar(5)', Collation: 'latin1_swedish_ci', Null: 'YES', Key: '', Default: "x'y", Extra: '' }, pk),
    ).toMatchObject({ characterSetName: 'latin1', defaultText: "x'y" });
    expect(showColumnDef({ Field: 'b', Type: 'bit(3)', Collation: null, Null: 'YES', Key: '', Default: "b'101'", Extra: '' }, pk)).toMatchObject({
      numericPrecision: 3,
      defaultText: '5',
    });
  });

  test('a table map that does not fit the history is reported instead of decoded', () => {
    const cols = [col('id', 'int'), col('note', 'varchar(9)')];
    expect(tableMapMismatch({ schemaName: 's', tableName: 't', columnCount: 2, columnTypes: [3, 15] }, cols)).toBeNull();
    expect(tableMapMismatch({ schemaName: 's', tableName: 't', columnCount: 3, columnTypes: [3, 15, 3] }, cols)).toMatch(
      /table map of s\.t has 3 columns, the schema history 2: .*delete the stored offset/,
    );
    expect(tableMapMismatch({ schemaName: 's', tableName: 't', columnCount: 2, columnTypes: [3, 3] }, cols)).toMatch(
      /column 2 \(note varchar\(9\)\) has binlog type 3/,
    );
  });
});
