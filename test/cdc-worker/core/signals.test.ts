import { SignalError, parseKafkaSignal, parseSignal } from '../../../lib/cdc-worker/core/signals';

describe('parseSignal (Debezium signal rows)', () => {
  test('execute-snapshot with tables and additional-conditions', () => {
    const data = JSON.stringify({
      'data-collections': ['public.orders', 'public.customers'],
      type: 'incremental',
      'additional-conditions': [{ 'data-collection': 'public.orders', filter: "status = 'open'" }],
    });
    expect(parseSignal('ad-hoc-1', 'execute-snapshot', data)).toEqual({
      id: 'ad-hoc-1',
      type: 'execute-snapshot',
      collections: [{ table: 'public.orders', filter: "status = 'open'" }, { table: 'public.customers' }],
    });
  });

  test('execute-snapshot: type defaults to incremental and is case-insensitive; duplicates collapse', () => {
    expect(parseSignal('a', 'execute-snapshot', { 'data-collections': ['s.t', 's.t'] })).toEqual({
      id: 'a',
      type: 'execute-snapshot',
      collections: [{ table: 's.t' }],
    });
    expect(parseSignal('b', 'execute-snapshot', '{"data-collections":["s.t"],"type":"INCREMENTAL"}')).toMatchObject({ collections: [{ table: 's.t' }] });
  });

  test('stop, pause, resume and log', () => {
    expect(parseSignal('1', 'stop-snapshot', '{"data-collections":["s.a"],"type":"incremental"}')).toEqual({ id: '1', type: 'stop-snapshot', tables: ['s.a'] });
    expect(parseSignal('2', 'stop-snapshot', '{"type":"incremental"}')).toEqual({ id: '2', type: 'stop-snapshot', tables: null });
    expect(parseSignal('3', 'pause-snapshot', null)).toEqual({ id: '3', type: 'pause-snapshot' });
    expect(parseSignal('4', 'resume-snapshot', '')).toEqual({ id: '4', type: 'resume-snapshot' });
    expect(parseSignal('5', 'log', '{"message":"hello"}')).toEqual({ id: '5', type: 'log', message: 'hello' });
  });

  test('watermarks are recognised', () => {
    expect(parseSignal('x', 'snapshot-window-open', null)).toEqual({ id: 'x', type: 'snapshot-window-open' });
    expect(parseSignal('x-close', 'snapshot-window-close', null)).toEqual({ id: 'x-close', type: 'snapshot-window-close' });
  });

  test.each([
    [
      'no-such',
      '{}',
      'signal "i": type "no-such" is not supported: allowed are "execute-snapshot", "stop-snapshot", "pause-snapshot", "resume-snapshot", "log"',
    ],
    ['execute-snapshot', '{not json', 'signal "i": data is not valid JSON'],
    ['execute-snapshot', '[]', 'signal "i": data must be a JSON object (got [])'],
    ['execute-snapshot', '{}', 'signal "i": data.data-collections is required'],
    ['execute-snapshot', '{"data-collections":[]}', 'data.data-collections must name at least one table (got [])'],
    ['execute-snapshot', '{"data-collections":"s.t"}', 'data.data-collections must be a list of table names (got "s.t")'],
    ['execute-snapshot', '{"data-collections":["s.t"],"type":"blocking"}', 'data.type "blocking" is not supported: allowed is "incremental"'],
    [
      'execute-snapshot',
      '{"data-collections":["s.t"],"additional-conditions":[{"data-collection":"s.u","filter":"a=1"}]}',
      'names "s.u", which is not in data.data-collections',
    ],
    [
      'execute-snapshot',
      '{"data-collections":["s.t"],"additional-conditions":[{"data-collection":"s.t"}]}',
      'data.additional-conditions[0].filter must be a SQL condition',
    ],
    [
      'execute-snapshot',
      '{"data-collections":["s.t"],"additional-conditions":[{"data-collection":"s.t","filter":"1=1; drop table x"}]}',
      'must not contain ";"',
    ],
    ['log', '{}', 'data.message must be a string (got undefined)'],
  ])('%s %s is refused with a message naming the field and the value', (type, data, message) => {
    expect(() => parseSignal('i', type, data)).toThrow(SignalError);
    expect(() => parseSignal('i', type, data)).toThrow(message);
  });
});

describe('parseKafkaSignal (Debezium Kafka signal channel)', () => {
  const msg = (key: string | null, value: string | null) => ({ key, value, partition: 2, offset: '17' });

  test('a message keyed by the topic prefix is a signal with its place as id', () => {
    const v = JSON.stringify({ type: 'execute-snapshot', data: { 'data-collections': ['s.t'], type: 'INCREMENTAL' } });
    expect(parseKafkaSignal(msg('shop', v), 'shop')).toEqual({
      id: 'kafka-2-17',
      type: 'execute-snapshot',
      data: '{"data-collections":["s.t"],"type":"INCREMENTAL"}',
    });
  });

  test("another connector's message is skipped", () => {
    expect(parseKafkaSignal(msg('other', '{"type":"log","data":{"message":"x"}}'), 'shop')).toBeNull();
  });

  test('bad messages and watermark types are refused', () => {
    expect(() => parseKafkaSignal(msg('shop', 'nope'), 'shop')).toThrow('signal "kafka-2-17": the message value is not valid JSON');
    expect(() => parseKafkaSignal(msg('shop', '{"data":{}}'), 'shop')).toThrow('the message value must be {"type": …, "data": {…}}');
    expect(() => parseKafkaSignal(msg('shop', '{"type":"snapshot-window-open"}'), 'shop')).toThrow(`type "snapshot-window-open" is the worker's own`);
    expect(() => parseKafkaSignal(msg('shop', '{"type":"execute-snapshot","data":{}}'), 'shop')).toThrow('data.data-collections is required');
  });
});
