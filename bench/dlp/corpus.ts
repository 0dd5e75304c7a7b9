/**
 * A realistic mixed corpus for the detector benchmark: rows like those of an orders/customers
 * database captured by the CDC worker. Most cells hold no sensitive data (ids, timestamps,
 * amounts, statuses, UUIDs, free-text notes, JSON attributes, some non-ASCII text); about one
 * row in five carries a phone, e-mail, card, SSN, IP or IBAN, valid or not. Deterministic.
 */

/** Small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the customer asked to change delivery address before shipping please confirm order was ' +
  'refunded after damage reported by courier package left at front door note for support team ' +
  'invoice attached payment pending review priority normal escalated resolved closed reopened ' +
  'warehouse stock level low reorder supplier contract renewal discount applied loyalty tier gold ' +
  'silver bronze returned item size exchange colour blue red green small medium large version ' +
  'Straße Müller café naïve São Paulo Zürich Ελλάδα 東京 配送 ✓'
).split(' ');

const FIRST = ['Ana', 'Ben', 'Chloé', 'Dmitri', 'Emma', 'Farid', 'Grace', 'Hiro', 'Inès', 'José', 'Kai', 'Lena'];
const LAST = ['Smith', 'García', 'Müller', 'Nakamura', 'Okafor', 'Rossi', 'Dubois', 'Kowalski', 'Ng', 'Öztürk'];
const STATUS = ['NEW', 'PAID', 'SHIPPED', 'DELIVERED', 'RETURNED', 'CANCELLED'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}
function digits(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 10);
  return s;
}
function luhnComplete(prefix: string): string {
  // append the check digit that makes prefix+d Luhn-valid
  let sum = 0;
  for (let i = 0; i < prefix.length; i++) {
    let d = Number(prefix[prefix.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return prefix + ((10 - (sum % 10)) % 10);
}
function sentence(r: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(pick(r, WORDS));
  return out.join(' ');
}

/** One sensitive snippet (valid or deliberately invalid), as it would appear in a note. */
function sensitive(r: () => number): string {
  switch (Math.floor(r() * 8)) {
    case 0:
      return `call me at (${2 + Math.floor(r() * 8)}${digits(r, 2)}) ${2 + Math.floor(r() * 8)}${digits(r, 2)}-${digits(r, 4)}`;
    case 1:
      return `mail ${pick(r, FIRST).toLowerCase()}.${digits(r, 2)}@example.com`;
    case 2: {
      const card = luhnComplete('4' + digits(r, 14));
      return `card ${card.slice(0, 4)} ${card.slice(4, 8)} ${card.slice(8, 12)} ${card.slice(12)}`;
    }
    case 3:
      return `ssn ${1 + Math.floor(r() * 600)}`.padEnd(7, '0') + `-${10 + Math.floor(r() * 89)}-${1000 + Math.floor(r() * 8999)}`;
    case 4:
      return `from ${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`;
    case 5:
      return 'iban DE89 3704 0044 0532 0130 00';
    case 6:
      return `ref ${digits(r, 16)}`; // mostly Luhn-invalid 16-digit numbers
    default:
      return `v6 2001:db8::${digits(r, 2)}`;
  }
}

/** One row of the orders table. */
export function makeRow(r: () => number, id: number): Record<string, unknown> {
  const hasPii = r() < 0.2;
  const name = `${pick(r, FIRST)} ${pick(r, LAST)}`;
  return {
    id,
    customer_id: 100000 + Math.floor(r() * 900000),
    customer_name: name,
    email: hasPii && r() < 0.5 ? `${name.split(' ')[0].toLowerCase()}${id}@mail.example.org` : null,
    status: pick(r, STATUS),
    amount: Math.round(r() * 100000) / 100,
    currency: 'EUR',
    created_at: new Date(1700000000000 + Math.floor(r() * 3e10)).toISOString(),
    tracking: `${pick(r, ['1Z', 'JD', 'TBA'])}${digits(r, 12)}`,
    uuid: `${digits(r, 8)}-${digits(r, 4)}-4${digits(r, 3)}-a${digits(r, 3)}-${digits(r, 12)}`,
    note: hasPii ? `${sentence(r, 6)} ${sensitive(r)} ${sentence(r, 4)}` : sentence(r, 6 + Math.floor(r() * 20)),
    attributes: { size: pick(r, ['S', 'M', 'L']), gift: r() < 0.1, tags: [sentence(r, 1), sentence(r, 1)] },
  };
}

/** Rows until their cell text reaches `bytes` UTF-8 bytes. */
export function makeRows(bytes: number, seed = 42): { rows: Record<string, unknown>[]; bytes: number } {
  const r = rng(seed);
  const rows: Record<string, unknown>[] = [];
  let total = 0;
  while (total < bytes) {
    const row = makeRow(r, rows.length + 1);
    for (const k in row) {
      const v = row[k];
      if (v === null || typeof v === 'boolean') continue;
      total += Buffer.byteLength(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
    }
    rows.push(row);
  }
  return { rows, bytes: total };
}

/**
 * Text-heavy rows (support tickets): a subject and a 1–4 KB body of prose, about one sensitive
 * snippet per 500 bytes. Complements `makeRows`, whose cells are short.
 */
export function makeTickets(bytes: number, seed = 43): { rows: Record<string, unknown>[]; bytes: number } {
  const r = rng(seed);
  const rows: Record<string, unknown>[] = [];
  let total = 0;
  while (total < bytes) {
    const parts: string[] = [];
    let len = 0;
    const target = 1000 + Math.floor(r() * 3000);
    while (len < target) {
      const p = r() < 0.12 ? sensitive(r) : sentence(r, 8 + Math.floor(r() * 10)) + '.';
      parts.push(p);
      len += p.length + 1;
    }
    const row = { id: rows.length + 1, subject: sentence(r, 5), body: parts.join(' ') };
    total += Buffer.byteLength(row.subject) + Buffer.byteLength(row.body) + String(row.id).length;
    rows.push(row);
  }
  return { rows, bytes: total };
}
