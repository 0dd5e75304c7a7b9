import { createHmac } from 'crypto';
import { applyPolicy, DetectionMetrics, DetectionPolicy, findingsByRow, LocalDetector, mask, Row, validatePolicy } from '../../../lib/cdc-worker/detect';

const detector = new LocalDetector();
const KEY = 'k3y-from-secret-manager';
const hmac = (v: string) => createHmac('sha256', KEY).update(v).digest('base64');

const row: Row = {
  id: 7,
  email: 'ana@example.com',
  phone: '(415) 555-0890',
  note: 'Ana (ana@example.com) called from 415-555-0890 about card 4111 1111 1111 1111',
  city: 'Zürich',
};

function outcome(policy: DetectionPolicy, r: Row = row, table = 'public.customers') {
  const findings = detector.inspectRowsSync(table, [r]);
  return applyPolicy(r, findingsByRow(findings).get(0) ?? [], policy, { table, hashKey: KEY });
}

describe('applyPolicy', () => {
  test('flag (the default): the row is unchanged, the findings are metadata without the values', () => {
    const o = outcome({});
    expect(o.decision).toBe('deliver');
    expect(o.row).toBe(row);
    expect(o.changedFields).toEqual([]);
    expect(o.counts).toEqual({ EMAIL_ADDRESS: 2, PHONE_NUMBER: 2, CREDIT_CARD_NUMBER: 1 });
    expect(o.flags[0]).toEqual({
      field: 'email',
      infoType: 'EMAIL_ADDRESS',
      likelihood: 'VERY_LIKELY',
      byteRange: { start: 0, end: 15 },
      codepointRange: { start: 0, end: 15 },
      action: 'flag',
    });
    expect(JSON.stringify(o.flags)).not.toContain('ana@');
  });

  test('mask, with DLP CharacterMaskConfig options', () => {
    const o = outcome({ default: { action: 'mask' }, infoTypes: { PHONE_NUMBER: { action: 'mask', maskingCharacter: '#', charactersToIgnore: '()- ' } } });
    expect(o.row).toEqual({
      ...row,
      email: '***************',
      phone: '(###) ###-####',
      note: 'Ana (***************) called from ###-###-#### about card *******************',
    });
    expect([...o.changedFields].sort()).toEqual(['email', 'note', 'phone']);
    expect(mask('1234-5678-9012-3456', '0', 14, false, '')).toBe('00000000000000-3456');
    expect(mask('12345', '*', 3, true, '')).toBe('12***');
    expect(mask('4111 1111 1111 1111', '*', 12, false, ' ')).toBe('**** **** **** 1111');
  });

  test('keyed hash: base64 HMAC-SHA-256 of the finding, so equal values stay joinable', () => {
    const o = outcome({ infoTypes: { EMAIL_ADDRESS: { action: 'hash' } } });
    expect(o.row.email).toBe(hmac('ana@example.com'));
    expect(o.row.note).toBe(`Ana (${hmac('ana@example.com')}) called from 415-555-0890 about card 4111 1111 1111 1111`);
    expect(o.row.phone).toBe(row.phone);
  });

  test('hash without a key is an error that names the table, column and info type', () => {
    const findings = detector.inspectRowsSync('t', [row]);
    expect(() => applyPolicy(row, findings, { infoTypes: { EMAIL_ADDRESS: { action: 'hash' } } }, { table: 't' })).toThrow(
      'Policy action "hash" for t.email (EMAIL_ADDRESS) needs a key: pass hashKey, read from a secret',
    );
  });

  test('redact: remove, or put the info type in its place', () => {
    const o = outcome({ infoTypes: { PHONE_NUMBER: { action: 'redact' }, CREDIT_CARD_NUMBER: { action: 'redact', replaceWithInfoType: true } } });
    expect(o.row.phone).toBe('');
    expect(o.row.note).toBe('Ana (ana@example.com) called from  about card [CREDIT_CARD_NUMBER]');
  });

  test('drop the field', () => {
    const o = outcome({ tables: { 'public.customers': { columns: { email: { action: 'drop' } } } } });
    expect(o.row).toEqual({ id: 7, phone: row.phone, note: row.note, city: 'Zürich' });
    expect('email' in row).toBe(true);
  });

  test('quarantine: the whole event, unchanged, to the quarantine topic', () => {
    const o = outcome({ infoTypes: { CREDIT_CARD_NUMBER: { action: 'quarantine' }, EMAIL_ADDRESS: { action: 'mask' } }, quarantineTopic: 'cdc.quarantine' });
    expect(o).toMatchObject({ decision: 'quarantine', quarantineTopic: 'cdc.quarantine', changedFields: [] });
    expect(o.row).toBe(row);
  });

  test('precedence: table column > table info type > info type > table default > default', () => {
    const policy: DetectionPolicy = {
      default: { action: 'flag' },
      infoTypes: { EMAIL_ADDRESS: { action: 'hash' }, PHONE_NUMBER: { action: 'mask' } },
      tables: {
        'public.customers': {
          default: { action: 'redact' },
          infoTypes: { EMAIL_ADDRESS: { action: 'mask' } },
          columns: { email: { action: 'drop' } },
        },
      },
    };
    const o = outcome(policy);
    expect('email' in o.row).toBe(false); // column
    // note: email → table info type (mask); phone → info type (mask); card → table default (redact)
    expect(o.row.note).toBe('Ana (***************) called from ************ about card ');
    // another table: info types, then the default
    const other = outcome(policy, row, 'public.orders');
    expect(other.row.email).toBe(hmac('ana@example.com'));
    expect(other.row.phone).toBe('**************');
  });

  test('overlapping findings: the stronger action wins', () => {
    // a phone number inside an e-mail address
    const r = { contact: '4155550890@txt.example.com' };
    const o = outcome({ infoTypes: { PHONE_NUMBER: { action: 'mask' }, EMAIL_ADDRESS: { action: 'redact', replaceWithInfoType: true } } }, r);
    expect(o.counts).toEqual({ PHONE_NUMBER: 1, EMAIL_ADDRESS: 1 });
    expect(o.row.contact).toBe('[EMAIL_ADDRESS]');
  });

  test('offsets are code points: non-ASCII text before a finding', () => {
    const r = { note: 'Grüße 😀 from Zoë, call (415) 555-0890 or mail zoe@example.com' };
    const o = outcome({ default: { action: 'redact', replaceWithInfoType: true } }, r);
    expect(o.row.note).toBe('Grüße 😀 from Zoë, call [PHONE_NUMBER] or mail [EMAIL_ADDRESS]');
  });

  test('a number column masked becomes a string', () => {
    const o = outcome({ default: { action: 'mask', numberToMask: 12 } }, { card: 4111111111111111 });
    expect(o.row.card).toBe('************1111');
  });

  test('a JSON column stays an object when findings sit inside its strings, and becomes text when not', () => {
    const r = { attrs: { contact: { email: 'ana@example.com' }, card: 4111111111111111 } };
    const o = outcome({ infoTypes: { EMAIL_ADDRESS: { action: 'redact', replaceWithInfoType: true }, CREDIT_CARD_NUMBER: { action: 'flag' } } }, r);
    expect(o.row.attrs).toEqual({ contact: { email: '[EMAIL_ADDRESS]' }, card: 4111111111111111 });
    const masked = outcome({ default: { action: 'mask' } }, r);
    expect(masked.row.attrs).toBe('{"contact":{"email":"***************"},"card":****************}');
  });

  test('validatePolicy reports every problem at once', () => {
    expect(
      validatePolicy(
        {
          default: { action: 'mask', maskingCharacter: '**' },
          infoTypes: { EMAIL_ADDRESS: { action: 'hash' }, X: { action: 'encrypt' } as never },
          tables: { t: { columns: { c: { action: 'quarantine' } } } },
        },
        { hasHashKey: false },
      ),
    ).toEqual([
      'default: maskingCharacter must be one character, got "**"',
      'infoTypes.EMAIL_ADDRESS: action "hash" needs a key (hashKey, from a secret)',
      'infoTypes.X: unknown action "encrypt"; use one of flag, mask, hash, redact, drop, quarantine',
      'tables.t.columns.c: action "quarantine" needs quarantineTopic',
    ]);
    expect(validatePolicy({ quarantineTopic: 'q', default: { action: 'quarantine' } }, { hasHashKey: false })).toEqual([]);
  });

  test('metrics count findings by table, info type and action, and events by decision', () => {
    const metrics = new DetectionMetrics();
    metrics.recordOutcome('public.customers', outcome({ infoTypes: { EMAIL_ADDRESS: { action: 'hash' } } }));
    metrics.recordOutcome('public.customers', outcome({}, { id: 1, city: 'Bern' }));
    expect(metrics.findingCounts()).toEqual([
      { table: 'public.customers', infoType: 'EMAIL_ADDRESS', action: 'hash', count: 2 },
      { table: 'public.customers', infoType: 'PHONE_NUMBER', action: 'flag', count: 2 },
      { table: 'public.customers', infoType: 'CREDIT_CARD_NUMBER', action: 'flag', count: 1 },
    ]);
    expect(metrics.eventCounts()).toEqual([
      { table: 'public.customers', decision: 'deliver', count: 1 },
      { table: 'public.customers', decision: 'clean', count: 1 },
    ]);
    expect(metrics.toPrometheus()).toContain('cdc_detect_findings_total{table="public.customers",info_type="EMAIL_ADDRESS",action="hash"} 2');
  });
});
