import { parseLossless, stringifyLossless } from '../../../lib/cdc-worker/kafka/lossless-json';

describe('lossless JSON', () => {
  it('keeps integers beyond 2^53 exactly and leaves strings alone', () => {
    const text = '{"a":12345678901234567890,"b":"12345678901234567890","c":1.5,"d":-9007199254740993,"e":[1,2e3]}';
    expect(stringifyLossless(parseLossless(text))).toBe(text.replace('2e3', '2000'));
  });
});
