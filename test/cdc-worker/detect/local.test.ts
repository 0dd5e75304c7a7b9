import { createDetector, Finding, LocalDetector, luhnValid, ssnValid, ibanChecksumValid, ipv6Valid } from '../../../lib/cdc-worker/detect';

const all = new LocalDetector({ minLikelihood: 'VERY_UNLIKELY' });
const names = (fs: Finding[]) => fs.map((f) => `${f.infoType.name}:${f.quote}`);
const found = (text: string, type: string) =>
  all
    .scan(text)
    .filter((f) => f.infoType.name === type)
    .map((f) => f.quote);

describe('the talk example', () => {
  test('"My phone number is (415) 555-0890" gives one PHONE_NUMBER, VERY_LIKELY, bytes 19–33', async () => {
    const findings = await createDetector().inspectText('My phone number is (415) 555-0890');
    expect(findings).toEqual([
      {
        quote: '(415) 555-0890',
        infoType: { name: 'PHONE_NUMBER' },
        likelihood: 'VERY_LIKELY',
        location: { byteRange: { start: 19, end: 33 }, codepointRange: { start: 19, end: 33 }, contentLocations: [] },
      },
    ]);
  });
});

describe('PHONE_NUMBER', () => {
  test.each([
    ['(415) 555-0890', 'call (415) 555-0890 today'],
    ['415-555-0890', 'number 415-555-0890.'],
    ['415.555.0890', 'at 415.555.0890'],
    ['+1 (415) 555-0890', 'reach +1 (415) 555-0890'],
    ['+1 415 555 0890', 'tel +1 415 555 0890'],
    ['+44 20 7946 0958', 'London office +44 20 7946 0958'],
    ['+4930123456789', 'Berlin: +4930123456789'],
    ['020 7946 0958', 'phone 020 7946 0958'],
  ])('finds %s', (quote, text) => {
    expect(found(text, 'PHONE_NUMBER')).toEqual([quote]);
  });
  test.each([
    ['a date', '2024-01-05'],
    ['a time', 'at 10:30:45'],
    ['an area code starting with 1', '(115) 555-0890'],
    ['an exchange starting with 0', '415-055-0890'],
    ['digits glued to a word', 'order A4155550890'],
    ['a price', 'total 1,234.50 EUR'],
    ['an unbalanced parenthesis', '(415 555-0890'],
    ['too few digits after +', '+12 345'],
  ])('ignores %s', (_what, text) => {
    expect(found(text, 'PHONE_NUMBER')).toEqual([]);
  });
  test('context raises the likelihood; a bare 10-digit number is unlikely without it', () => {
    expect(all.scan('415-555-0890')[0].likelihood).toBe('LIKELY');
    expect(all.scan('mobile: 415-555-0890')[0].likelihood).toBe('VERY_LIKELY');
    expect(all.scan('id 4155550890')[0].likelihood).toBe('UNLIKELY');
    expect(all.scan('tel: 4155550890')[0].likelihood).toBe('LIKELY');
  });
});

describe('EMAIL_ADDRESS', () => {
  test.each([
    ['jane.doe@example.com', 'write to jane.doe@example.com.'],
    ['j+tag_1%x@mail.example.co.uk', '<j+tag_1%x@mail.example.co.uk>'],
    ['USER@EXAMPLE.ORG', 'USER@EXAMPLE.ORG'],
  ])('finds %s', (quote, text) => {
    expect(found(text, 'EMAIL_ADDRESS')).toEqual([quote]);
  });
  test.each([
    ['no domain dot', 'a@localhost'],
    ['a one-letter TLD', 'x@y.c'],
    ['a numeric TLD', 'x@10.0.0.1'],
    ['a lone @', 'meet @ noon'],
    ['a handle', '@jane'],
    ['an empty label', 'x@a..com'],
    ['a hyphen at a label edge', 'x@-a.com'],
  ])('ignores %s', (_what, text) => {
    expect(found(text, 'EMAIL_ADDRESS')).toEqual([]);
  });
});

describe('CREDIT_CARD_NUMBER', () => {
  test.each([
    ['Visa, grouped', '4111 1111 1111 1111'],
    ['Visa, plain', '4012888888881881'],
    ['Mastercard, dashed', '5555-5555-5555-4444'],
    ['Mastercard 2-series', '2223003122003222'],
    ['Amex 4-6-5', '3782 822463 10005'],
    ['Discover', '6011111111111117'],
    ['JCB', '3530111333300000'],
    ['Diners 14', '30569309025904'],
  ])('finds %s', (_what, number) => {
    expect(found(`card ${number} exp 12/29`, 'CREDIT_CARD_NUMBER')).toEqual([number]);
  });
  test.each([
    ['a failed Luhn check', '4111 1111 1111 1112'],
    ['a failed Luhn check, plain', '5555555555554443'],
    ['an unknown issuer (Luhn-valid)', '9111111111111111'],
    ['all zeros (Luhn-valid)', '0000000000000000'],
    ['a wrong length for the brand', '411111111111111'],
    ['mixed separators', '4111 1111-1111 1111'],
    ['odd grouping', '41 1111 1111 1111 11'],
  ])('ignores %s', (_what, number) => {
    expect(found(`card ${number}`, 'CREDIT_CARD_NUMBER')).toEqual([]);
  });
  test('luhnValid', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(luhnValid('')).toBe(false);
  });
});

describe('US_SOCIAL_SECURITY_NUMBER', () => {
  test.each([
    ['536-22-8765', 'VERY_LIKELY', 'SSN: 536-22-8765'],
    ['536-22-8765', 'LIKELY', 'ref 536-22-8765'],
    ['536 22 8765', 'POSSIBLE', 'ref 536 22 8765'],
    ['536228765', 'LIKELY', 'social security 536228765'],
    ['536228765', 'UNLIKELY', 'ref 536228765'],
    ['772-01-0001', 'LIKELY', 'x 772-01-0001'],
  ])('finds %s as %s in "%s"', (quote, likelihood, text) => {
    expect(all.scan(text).map((f) => [f.infoType.name, f.quote, f.likelihood])).toEqual([['US_SOCIAL_SECURITY_NUMBER', quote, likelihood]]);
  });
  test.each([
    ['area 000', '000-12-3456'],
    ['area 666', '666-12-3456'],
    ['area 9xx', '900-12-3456'],
    ['area 999', '999-99-9999'],
    ['group 00', '536-00-8765'],
    ['serial 0000', '536-22-0000'],
    ['the Woolworth wallet number', '078-05-1120'],
  ])('rejects %s', (_what, ssn) => {
    expect(found(`SSN ${ssn}`, 'US_SOCIAL_SECURITY_NUMBER')).toEqual([]);
    expect(ssnValid(ssn, 0, ssn.length)).toBe(false);
  });
  test.each([
    ['a wrong layout', '53-622-8765'],
    ['mixed separators', '536-22 8765'],
  ])('ignores %s', (_what, ssn) => {
    expect(found(`SSN ${ssn}`, 'US_SOCIAL_SECURITY_NUMBER')).toEqual([]);
  });
  test('the default minimum likelihood (POSSIBLE) leaves out an unformatted 9-digit number without context', () => {
    expect(new LocalDetector().scan('ref 536228765')).toEqual([]);
  });
});

describe('IP_ADDRESS', () => {
  test.each([
    ['192.168.1.20', 'from 192.168.1.20'],
    ['10.0.0.1', 'connect 10.0.0.1:8080'],
    ['0.0.0.0', 'bind 0.0.0.0'],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', 'v6 2001:0db8:85a3:0000:0000:8a2e:0370:7334'],
    ['2001:db8::8a2e:370:7334', 'v6 2001:db8::8a2e:370:7334.'],
    ['fe80::1', 'link fe80::1'],
    ['::1', 'loopback ::1'],
    ['::ffff:192.0.2.1', 'mapped ::ffff:192.0.2.1'],
  ])('finds %s', (quote, text) => {
    expect(found(text, 'IP_ADDRESS')).toEqual([quote]);
  });
  test.each([
    ['a part above 255', '256.1.1.1'],
    ['a leading zero', '192.168.01.1'],
    ['five parts (a version)', '1.2.3.4.5'],
    ['three parts', '10.0.1'],
    ['a time', '10:30:45'],
    ['a MAC address', '00:1A:2B:3C:4D:5E'],
    ['a C++ scope', 'std::vector'],
    ['hex words without digits', 'be::ef'],
    ['two ::', '2001::db8::1'],
    ['nine groups', '1:2:3:4:5:6:7:8:9'],
    ['a timestamp', '2024-01-05T10:30:00Z'],
  ])('ignores %s', (_what, text) => {
    expect(found(text, 'IP_ADDRESS')).toEqual([]);
  });
  test('ipv6Valid', () => {
    expect(ipv6Valid('1:2:3:4:5:6:7:8', 0, 15)).toBe(true);
    expect(ipv6Valid('1:2:3:4:5:6:7', 0, 13)).toBe(false);
  });
});

describe('IBAN_CODE', () => {
  test.each([
    ['DE89 3704 0044 0532 0130 00', 'IBAN DE89 3704 0044 0532 0130 00'],
    ['GB82WEST12345698765432', 'pay to GB82WEST12345698765432.'],
    ['FR1420041010050500013M02606', 'FR1420041010050500013M02606'],
    ['NO9386011117947', 'konto NO9386011117947'],
  ])('finds %s', (quote, text) => {
    expect(found(text, 'IBAN_CODE')).toEqual([quote]);
  });
  test.each([
    ['a wrong check digit', 'DE88 3704 0044 0532 0130 00'],
    ['a changed digit', 'GB82WEST12345698765431'],
    ['a wrong length', 'DE89 3704 0044 0532 0130 0'],
    ['an unknown country', 'XX89370400440532013000'],
    ['bad grouping', 'DE8937 04 0044 0532 0130 00'],
    ['glued to a word', 'xDE89370400440532013000'],
  ])('rejects %s', (_what, text) => {
    expect(found(text, 'IBAN_CODE')).toEqual([]);
  });
  test('ibanChecksumValid', () => {
    expect(ibanChecksumValid('GB82WEST12345698765432', 0, 22)).toBe(true);
    expect(ibanChecksumValid('GB82 WEST 1234 5698 7654 32', 0, 27)).toBe(true);
    expect(ibanChecksumValid('GB83WEST12345698765432', 0, 22)).toBe(false);
  });
});

describe('findings in DLP shape', () => {
  test('byte and code point ranges differ after non-ASCII text', () => {
    // é: 2 bytes, 1 code point; 😀: 4 bytes, 1 code point (2 UTF-16 units)
    const text = 'Café 😀 call 415-555-0890';
    const [p] = all.scan(text);
    expect(p.quote).toBe('415-555-0890');
    const units = text.indexOf('415');
    expect(units).toBe(13);
    expect(p.location.codepointRange).toEqual({ start: 12, end: 24 });
    expect(p.location.byteRange).toEqual({ start: Buffer.byteLength('Café 😀 call '), end: Buffer.byteLength(text) });
    expect(p.location.byteRange).toEqual({ start: 16, end: 28 });
  });

  test('an e-mail address needs an ASCII local part (as the local detectors read RFC 5321)', () => {
    expect(names(all.scan('zoë@example.com'))).toEqual([]);
    expect(names(all.scan('Zürich: hans.muller@example.ch'))).toEqual(['EMAIL_ADDRESS:hans.muller@example.ch']);
  });

  test('rows: column and row index, ranges relative to the cell, the column name as context', async () => {
    const detector = createDetector({ backend: 'local' });
    const findings = await detector.inspectRows('public.customers', [
      { id: 1, name: 'Ana', phone: '4155550890', note: null },
      { id: 2, name: 'Ben', phone: null, note: 'card 4111-1111-1111-1111', tags: ['vip', 'x@example.com'] },
    ]);
    expect(findings).toEqual([
      {
        quote: '4155550890',
        infoType: { name: 'PHONE_NUMBER' },
        likelihood: 'LIKELY',
        location: {
          byteRange: { start: 0, end: 10 },
          codepointRange: { start: 0, end: 10 },
          contentLocations: [{ containerName: 'public.customers', recordLocation: { fieldId: { name: 'phone' }, tableLocation: { rowIndex: 0 } } }],
        },
      },
      expect.objectContaining({
        quote: '4111-1111-1111-1111',
        infoType: { name: 'CREDIT_CARD_NUMBER' },
        likelihood: 'VERY_LIKELY',
        location: expect.objectContaining({ byteRange: { start: 5, end: 24 } }),
      }),
      expect.objectContaining({
        quote: 'x@example.com',
        infoType: { name: 'EMAIL_ADDRESS' },
        // JSON column: offsets in its JSON text ["vip","x@example.com"]
        location: expect.objectContaining({
          byteRange: { start: 8, end: 21 },
          contentLocations: [{ containerName: 'public.customers', recordLocation: { fieldId: { name: 'tags' }, tableLocation: { rowIndex: 1 } } }],
        }),
      }),
    ]);
  });

  test('large integers are inspected as their decimal text', async () => {
    const findings = await createDetector().inspectRows('t', [{ card: 4111111111111111, small: 12345678 }]);
    expect(names(findings)).toEqual(['CREDIT_CARD_NUMBER:4111111111111111']);
  });

  test('minLikelihood and infoTypes filter; includeQuote=false leaves quotes out', () => {
    const text = 'call 415-555-0890, mail a@example.com, id 536 22 8765';
    expect(names(new LocalDetector({ minLikelihood: 'LIKELY' }).scan(text))).toEqual(['PHONE_NUMBER:415-555-0890', 'EMAIL_ADDRESS:a@example.com']);
    expect(names(new LocalDetector({ infoTypes: ['EMAIL_ADDRESS'] }).scan(text))).toEqual(['EMAIL_ADDRESS:a@example.com']);
    expect(new LocalDetector({ includeQuote: false }).scan(text).every((f) => !('quote' in f))).toBe(true);
  });

  test('bad options are reported with what is allowed', () => {
    expect(() => new LocalDetector({ infoTypes: ['PERSON_NAME'] })).toThrow(
      'Local detectors do not implement info type(s) PERSON_NAME; they implement PHONE_NUMBER, EMAIL_ADDRESS, CREDIT_CARD_NUMBER, US_SOCIAL_SECURITY_NUMBER, IP_ADDRESS, IBAN_CODE. Use the cloud-dlp backend for other info types.',
    );
    expect(() => new LocalDetector({ minLikelihood: 'SURE' as never })).toThrow(
      'minLikelihood must be one of VERY_UNLIKELY, UNLIKELY, POSSIBLE, LIKELY, VERY_LIKELY, got "SURE"',
    );
    expect(() => createDetector({ backend: 'aws' as never })).toThrow('detection backend must be "local" or "cloud-dlp", got "aws"');
  });

  test('several types in one text, in order', () => {
    const text = 'Ana (ana@example.com, +1 415 555 0890) paid with 5555 5555 5555 4444 from 203.0.113.7 to DE89370400440532013000';
    expect(names(all.scan(text))).toEqual([
      'EMAIL_ADDRESS:ana@example.com',
      'PHONE_NUMBER:+1 415 555 0890',
      'CREDIT_CARD_NUMBER:5555 5555 5555 4444',
      'IP_ADDRESS:203.0.113.7',
      'IBAN_CODE:DE89370400440532013000',
    ]);
  });
});

describe('linear time on adversarial input', () => {
  test.each([
    ['digits and spaces', '1 '.repeat(250000)],
    ['one long digit run', '4'.repeat(500000)],
    ['dotted numbers', '1.2.'.repeat(125000)],
    ['colons and hex', 'a:b:'.repeat(125000)],
    ['at signs', 'a@b.'.repeat(125000)],
    ['long local part', `${'x'.repeat(500000)}@example.com`],
    ['capitals and digits', 'DE89 '.repeat(100000)],
    ['parentheses', '(1) '.repeat(125000)],
  ])('%s (0.5 MB) in well under a second', (_what, text) => {
    const t0 = process.hrtime.bigint();
    all.scan(text);
    expect(Number(process.hrtime.bigint() - t0) / 1e6).toBeLessThan(1000);
  });
});
