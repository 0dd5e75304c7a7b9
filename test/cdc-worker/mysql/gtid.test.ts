import { MariaDbGtidPosition, MySqlGtidSet, parseGtidPosition, parseMariaDbGtid, parseMySqlGtid } from '../../../lib/cdc-worker/mysql/gtid';

describe('MariaDB GTIDs (domain-server-sequence)', () => {
  test('parses one GTID, with 64-bit sequence numbers kept exact', () => {
    expect(parseMariaDbGtid('0-1-42')).toEqual({ domain: 0, server: 1, sequence: 42n });
    expect(parseMariaDbGtid('3-100-18446744073709551615').sequence).toBe(18446744073709551615n);
  });

  test('rejects text that is not domain-server-sequence', () => {
    expect(() => parseMariaDbGtid('0-1')).toThrow(/not a MariaDB GTID \(domain-server-sequence\): "0-1"/);
    expect(() => MariaDbGtidPosition.parse('0-1-5,0-2-6')).toThrow(/names domain 0 twice/);
  });

  test('a position holds the last GTID per domain; advancing replaces that domain only', () => {
    const p = MariaDbGtidPosition.parse('1-2-10, 0-1-112');
    expect(p.toString()).toBe('0-1-112,1-2-10');
    p.advance('0-1-113').advance('2-5-1');
    expect(p.toString()).toBe('0-1-113,1-2-10,2-5-1');
    expect(p.covers('0-1-100')).toBe(true);
    expect(p.covers('0-1-114')).toBe(false);
    expect(p.covers('7-1-1')).toBe(false);
    expect(MariaDbGtidPosition.parse('').empty).toBe(true);
  });
});

describe('MySQL GTIDs (uuid:interval)', () => {
  const U = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  const V = '4f22fa47-71ca-11e1-9e33-c80aa9429562';

  test('parses a GTID, with or without a tag', () => {
    expect(parseMySqlGtid(`${U}:23`)).toEqual({ uuid: U, tag: '', transaction: 23n });
    expect(parseMySqlGtid(`${U.toUpperCase()}:Tag_a:5`)).toEqual({ uuid: U, tag: 'tag_a', transaction: 5n });
    expect(() => parseMySqlGtid('not-a-gtid:1')).toThrow(/not a MySQL GTID \(uuid:number\)/);
  });

  test('parses sets as @@gtid_executed prints them (newlines, several intervals, tags) and merges intervals', () => {
    const s = MySqlGtidSet.parse(`${V}:1-3,\n${U}:1-5:7-9:6`);
    expect(s.toString()).toBe(`${U}:1-9,${V}:1-3`);
    expect(s.contains(`${U}:6`)).toBe(true);
    expect(s.contains(`${U}:10`)).toBe(false);
    const tagged = MySqlGtidSet.parse(`${U}:1-2:mytag:1-4`);
    expect(tagged.contains(`${U}:mytag:3`)).toBe(true);
    expect(tagged.contains(`${U}:3`)).toBe(false);
    expect(tagged.toString()).toBe(`${U}:1-2:mytag:1-4`);
  });

  test('adding transactions extends or joins intervals', () => {
    const s = MySqlGtidSet.parse(`${U}:1-3:5`);
    s.add(`${U}:4`);
    expect(s.toString()).toBe(`${U}:1-5`);
    s.add(`${V}:1`);
    expect(s.toString()).toBe(`${U}:1-5,${V}:1`);
  });

  test('rejects bad intervals', () => {
    expect(() => MySqlGtidSet.parse(`${U}:5-3`)).toThrow(/bad interval "5-3"/);
    expect(() => MySqlGtidSet.parse(`${U}:0`)).toThrow(/bad interval "0"/);
    expect(() => MySqlGtidSet.parse('abc:1')).toThrow(/not a MySQL GTID set entry/);
  });
});

test('parseGtidPosition picks the flavour from the text', () => {
  expect(parseGtidPosition('0-1-5')).toBeInstanceOf(MariaDbGtidPosition);
  expect(parseGtidPosition('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5')).toBeInstanceOf(MySqlGtidSet);
  expect(() => parseGtidPosition(' ')).toThrow(/empty GTID position/);
});
