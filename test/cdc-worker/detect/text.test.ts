import { cellText, toDlpValue, utf8Length } from '../../../lib/cdc-worker/detect';

describe('cellText: what a detector reads in a cell', () => {
  test.each([
    ['a string', 'a@example.com', 'a@example.com'],
    ['an integer', 4111111111111111, '4111111111111111'],
    ['a float', 12.5, '12.5'],
    ['a bigint', 123456789012345678901234567890n, '123456789012345678901234567890'],
    ['a date', new Date(Date.UTC(2024, 0, 5, 10, 30)), '2024-01-05T10:30:00.000Z'],
    ['a JSON column', { tags: ['x@example.com'], n: 1 }, '{"tags":["x@example.com"],"n":1}'],
  ])('%s', (_what, value, text) => {
    expect(cellText(value)).toBe(text);
  });
  test.each([
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['binary', Buffer.from('a@example.com')],
    ['NaN', NaN],
    ['an invalid date', new Date('x')],
  ])('%s has no text', (_what, value) => {
    expect(cellText(value)).toBeUndefined();
  });
});

describe('toDlpValue: the table value sent to Cloud DLP', () => {
  test.each([
    ['a string', 'x', { stringValue: 'x' }],
    ['a safe integer', 42, { integerValue: 42 }],
    ['a float', 1.5, { floatValue: 1.5 }],
    ['a boolean', false, { booleanValue: false }],
    ['an int64 bigint', 9007199254740993n, { integerValue: '9007199254740993' }],
    ['a bigint beyond int64', 2n ** 64n, { stringValue: '18446744073709551616' }],
    ['a date', new Date(0), { stringValue: '1970-01-01T00:00:00.000Z' }],
    ['JSON', [1, 'a'], { stringValue: '[1,"a"]' }],
    ['null', null, {}],
    ['binary', new Uint8Array([1]), {}],
  ])('%s', (_what, value, expected) => {
    expect(toDlpValue(value)).toEqual(expected);
  });
});

test('utf8Length counts surrogate pairs as 4 bytes', () => {
  for (const s of ['abc', 'Zürich', '東京', '😀', 'a😀b', '\ud800x']) expect(utf8Length(s)).toBe(Buffer.byteLength(s));
});
