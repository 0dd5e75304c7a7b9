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
  { before: { id: 2, email: 'old@example.com', notes: null }, after: { id: 2, email: 'new@example.com', notes: 'card 5555 5555 5555 4444', payment: '4111 1111 1111 1111' } },
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
