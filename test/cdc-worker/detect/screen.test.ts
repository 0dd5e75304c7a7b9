import { createHmac } from 'crypto';
import { CloudDlpDetector, DetectionMetrics, DetectionPolicy, encodeFlags, LocalDetector, SensitiveDataScreen } from '../../../lib/cdc-worker/detect';
import { FakeDlpServer } from './fake-dlp-server';

const KEY = 'secret-key';
const hmac = (v: string) => createHmac('sha256', KEY).update(v).digest('base64');
const policy: DetectionPolicy = {
  infoTypes: { EMAIL_ADDRESS: { action: 'hash' }, CREDIT_CARD_NUMBER: { action: 'quarantine' } },
  tables: { 'public.customers': { columns: { notes: { action: 'mask', charactersToIgnore: ' ' } } } },
  quarantineTopic: 'cdc.quarantine',
};
const changes = [
  // insert
  { before: null, after: { id: 1, email: 'ana@example.com', notes: 'call 415-555-0890' } },
  // update: the old image has the old address, the new one a card number
  {
    before: { id: 2, email: 'old@example.com', notes: null },
    after: { id: 2, email: 'new@example.com', notes: 'card 5555 5555 5555 4444', payment: '4111 1111 1111 1111' },
  },
  // delete
  { before: { id: 3, email: 'gone@example.com', notes: '' }, after: null },
  // nothing sensitive
  { before: null, after: { id: 4, email: null, notes: 'fine' } },
];

describe('SensitiveDataScreen', () => {
  test('screens before and after images of a batch in one inspection and decides per event', async () => {
    const metrics = new DetectionMetrics();
    const detector = new LocalDetector();
    const inspect = jest.spyOn(detector, 'inspectRows');
    const screen = new SensitiveDataScreen(detector, policy, { hashKey: KEY, metrics });
    const out = await screen.screen('public.customers', changes);
    expect(inspect).toHaveBeenCalledTimes(1);
    expect(out.map((s) => s.decision)).toEqual(['deliver', 'quarantine', 'deliver', 'deliver']);
    expect(out[0].after).toEqual({ id: 1, email: hmac('ana@example.com'), notes: 'call ************' });
    expect(out[1]).toMatchObject({ quarantineTopic: 'cdc.quarantine', before: changes[1].before, after: changes[1].after });
    expect(out[2].before).toEqual({ id: 3, email: hmac('gone@example.com'), notes: '' });
    expect(out[3]).toEqual({ decision: 'deliver', before: null, after: changes[3].after, flags: [], counts: {} });
    expect(out[1].flags.map((f) => `${f.image}.${f.field}:${f.infoType}:${f.action}`)).toEqual([
      'before.email:EMAIL_ADDRESS:hash',
      'after.email:EMAIL_ADDRESS:hash',
      // the column rule wins over the info type: masked, while the card in `payment` quarantines the event
      'after.notes:CREDIT_CARD_NUMBER:mask',
      'after.payment:CREDIT_CARD_NUMBER:quarantine',
    ]);
    expect(encodeFlags(out[0].flags)).toBe(
      '[{"f":"email","t":"EMAIL_ADDRESS","l":"VERY_LIKELY","a":"hash","i":"after","b":[0,15]},{"f":"notes","t":"PHONE_NUMBER","l":"VERY_LIKELY","a":"mask","i":"after","b":[5,17]}]',
    );
    expect(metrics.eventCounts()).toEqual([
      { table: 'public.customers', decision: 'deliver', count: 2 },
      { table: 'public.customers', decision: 'quarantine', count: 1 },
      { table: 'public.customers', decision: 'clean', count: 1 },
    ]);
  });

  describe('keys', () => {
    const keyPolicy: DetectionPolicy = {
      infoTypes: { EMAIL_ADDRESS: { action: 'hash' }, PHONE_NUMBER: { action: 'mask' }, CREDIT_CARD_NUMBER: { action: 'quarantine' } },
      quarantineTopic: 'cdc.quarantine',
    };

    test('a key field is transformed from the image it was built from, without inspecting the key again', async () => {
      const detector = new LocalDetector();
      const inspect = jest.spyOn(detector, 'inspectRows');
      const metrics = new DetectionMetrics();
      const screen = new SensitiveDataScreen(detector, keyPolicy, { hashKey: KEY, metrics });
      const cleanKey = { email: 'nobody' };
      const out = await screen.screen('public.customers', [
        { before: null, after: { email: 'ana@example.com', phone: 'call 415-555-0890' }, key: { email: 'ana@example.com' } },
        // a delete under REPLICA IDENTITY DEFAULT: the key columns only
        { before: { email: 'ana@example.com', phone: null }, after: null, key: { email: 'ana@example.com' } },
        { before: null, after: { email: 'nobody', phone: null }, key: cleanKey },
      ]);
      // the images only: the keys' values are theirs
      expect(inspect.mock.calls[0][1]).toHaveLength(3);
      expect(out[0].key).toEqual({ email: hmac('ana@example.com') });
      expect(out[0].after!.email).toBe(out[0].key!.email);
      expect(out[1].key).toEqual(out[0].key);
      expect(out[1].before!.email).toBe(out[0].key!.email);
      // no finding in the key: the key object itself
      expect(out[2].key).toBe(cleanKey);
      // findings are reported (and counted) once, on the image
      expect(out[0].flags.map((f) => `${f.image}.${f.field}`)).toEqual(['after.email', 'after.phone']);
      expect(metrics.findingCounts()).toEqual([
        { table: 'public.customers', infoType: 'EMAIL_ADDRESS', action: 'hash', count: 2 },
        { table: 'public.customers', infoType: 'PHONE_NUMBER', action: 'mask', count: 1 },
      ]);
    });

    test('mask and drop act on key fields as on the column', async () => {
      const screen = new SensitiveDataScreen(new LocalDetector(), {
        tables: { 'public.t': { columns: { phone: { action: 'mask' }, email: { action: 'drop' } } } },
      });
      const after = { phone: '(415) 555-0890', email: 'ana@example.com', n: 1 };
      const [out] = await screen.screen('public.t', [{ before: null, after, key: { phone: after.phone, email: after.email } }]);
      expect(out.key).toEqual({ phone: '**************' });
      expect(out.after).toEqual({ phone: '**************', n: 1 });
    });

    test('quarantined: the original images, but the key columns carry the transformed key; a key that only quarantine acts on stays', async () => {
      const screen = new SensitiveDataScreen(new LocalDetector(), keyPolicy, { hashKey: KEY });
      const after = { email: 'ana@example.com', other_email: 'bob@example.com', card: '4111 1111 1111 1111' };
      const before = { ...after, card: null };
      const [q] = await screen.screen('public.customers', [{ before, after, key: { email: after.email } }]);
      expect(q.decision).toBe('quarantine');
      expect(q.keyQuarantined).toBe(false);
      expect(q.key).toEqual({ email: hmac('ana@example.com') });
      // the key column only; the rest is left for review
      expect(q.after).toEqual({ ...after, email: hmac('ana@example.com') });
      expect(q.before).toEqual({ ...before, email: hmac('ana@example.com') });

      const keyed = new SensitiveDataScreen(new LocalDetector(), {
        tables: { 'public.cards': { columns: { card: { action: 'quarantine' } } } },
        quarantineTopic: 'q',
      });
      const key = { card: '4111111111111111' };
      const [k] = await keyed.screen('public.cards', [{ before: null, after: { card: '4111111111111111', note: 'x' }, key }]);
      expect(k).toMatchObject({ decision: 'quarantine', keyQuarantined: true, quarantineTopic: 'q' });
      expect(k.key).toBe(key);
    });

    test('a key whose fields are not in the image is inspected as a row of its own, in the same call', async () => {
      const detector = new LocalDetector();
      const inspect = jest.spyOn(detector, 'inspectRows');
      const metrics = new DetectionMetrics();
      const screen = new SensitiveDataScreen(detector, keyPolicy, { hashKey: KEY, metrics });
      const out = await screen.screen('public.customers', [
        { before: null, after: { id: 1 }, key: { ref: 'ana@example.com' } },
        // same name, another value: not the image's
        { before: null, after: { ref: 'x' }, key: { ref: 'bob@example.com' } },
        { before: null, after: { id: 2 }, key: { ref: '4111 1111 1111 1111' } },
      ]);
      expect(inspect).toHaveBeenCalledTimes(1);
      expect(inspect.mock.calls[0][1]).toHaveLength(6);
      expect(out[0]).toMatchObject({ decision: 'deliver', key: { ref: hmac('ana@example.com') }, after: { id: 1 } });
      expect(out[0].flags.map((f) => `${f.image}.${f.field}:${f.action}`)).toEqual(['key.ref:hash']);
      expect(out[1].key).toEqual({ ref: hmac('bob@example.com') });
      expect(out[2]).toMatchObject({ decision: 'quarantine', keyQuarantined: true, key: { ref: '4111 1111 1111 1111' } });
      expect(metrics.eventCounts()).toEqual([
        { table: 'public.customers', decision: 'deliver', count: 2 },
        { table: 'public.customers', decision: 'quarantine', count: 1 },
      ]);
    });
  });

  test('an invalid policy is refused at construction with every problem listed', () => {
    expect(() => new SensitiveDataScreen(new LocalDetector(), { default: { action: 'hash' }, infoTypes: { IP_ADDRESS: { action: 'quarantine' } } })).toThrow(
      'Invalid detection policy:\n- default: action "hash" needs a key (hashKey, from a secret)\n- infoTypes.IP_ADDRESS: action "quarantine" needs quarantineTopic',
    );
  });

  test('the Cloud DLP backend gives the same verdicts', async () => {
    const server = new FakeDlpServer();
    await server.start();
    const detector = new CloudDlpDetector({ projectId: 'p', client: server.client() });
    try {
      const cloud = await new SensitiveDataScreen(detector, policy, { hashKey: KEY }).screen('public.customers', changes);
      const local = await new SensitiveDataScreen(new LocalDetector(), policy, { hashKey: KEY }).screen('public.customers', changes);
      expect(cloud).toEqual(local);
      expect(server.requests).toHaveLength(1);
    } finally {
      await detector.close();
      await server.stop();
    }
  });
});
