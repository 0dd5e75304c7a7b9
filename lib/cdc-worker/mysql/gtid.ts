/**
 * GTID positions of MySQL and MariaDB, parsed and advanced without the server. Pure functions.
 *
 * - MariaDB: a GTID is `domain-server-sequence`; a position (`@@gtid_binlog_pos`, what a replica
 *   sends in `@slave_connect_state`) is a comma-separated list with one GTID per domain: the
 *   last transaction applied in that domain.
 * - MySQL: a GTID is `uuid:number` (MySQL 8.3+: `uuid:tag:number`); a GTID set
 *   (`@@gtid_executed`) is `uuid:1-5:7-9,uuid2:1-3` (intervals inclusive).
 *
 * Sequence numbers are kept as bigint: MariaDB's are 64-bit.
 */

export interface MariaDbGtid {
  domain: number;
  server: number;
  sequence: bigint;
}

/** Parses `0-1-42`. */
export function parseMariaDbGtid(text: string): MariaDbGtid {
  const m = /^\s*(\d+)-(\d+)-(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`not a MariaDB GTID (domain-server-sequence): ${JSON.stringify(text)}`);
  return { domain: Number(m[1]), server: Number(m[2]), sequence: BigInt(m[3]) };
}

export function formatMariaDbGtid(g: MariaDbGtid): string {
  return `${g.domain}-${g.server}-${g.sequence}`;
}

/** A MariaDB GTID position: per replication domain, the last GTID applied. */
export class MariaDbGtidPosition {
  private readonly byDomain = new Map<number, MariaDbGtid>();

  static parse(text: string): MariaDbGtidPosition {
    const p = new MariaDbGtidPosition();
    for (const part of text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')) {
      const g = parseMariaDbGtid(part);
      if (p.byDomain.has(g.domain)) throw new Error(`MariaDB GTID position names domain ${g.domain} twice: ${JSON.stringify(text)}`);
      p.byDomain.set(g.domain, g);
    }
    return p;
  }

  /** Records that `gtid` was applied: it becomes its domain's entry. */
  advance(gtid: MariaDbGtid | string): this {
    const g = typeof gtid === 'string' ? parseMariaDbGtid(gtid) : gtid;
    this.byDomain.set(g.domain, g);
    return this;
  }

  /** True when `gtid` is at or before this position in its domain (already applied). */
  covers(gtid: MariaDbGtid | string): boolean {
    const g = typeof gtid === 'string' ? parseMariaDbGtid(gtid) : gtid;
    const have = this.byDomain.get(g.domain);
    return !!have && have.sequence >= g.sequence;
  }

  clone(): MariaDbGtidPosition {
    return MariaDbGtidPosition.parse(this.toString());
  }

  get empty(): boolean {
    return this.byDomain.size === 0;
  }

  /** Domains in ascending order, as the server prints them. */
  toString(): string {
    return [...this.byDomain.values()]
      .sort((a, b) => a.domain - b.domain)
      .map(formatMariaDbGtid)
      .join(',');
  }
}

export interface MySqlGtid {
  uuid: string;
  tag: string;
  transaction: bigint;
}

const UUID = '[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}';

function normUuid(u: string): string {
  const h = u.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Parses `uuid:42` or `uuid:tag:42`. */
export function parseMySqlGtid(text: string): MySqlGtid {
  const m = new RegExp(`^\\s*(${UUID}):(?:([a-z_][a-z0-9_]{0,31}):)?(\\d+)\\s*$`, 'i').exec(text);
  if (!m) throw new Error(`not a MySQL GTID (uuid:number): ${JSON.stringify(text)}`);
  return { uuid: normUuid(m[1]), tag: (m[2] ?? '').toLowerCase(), transaction: BigInt(m[3]) };
}

/** A MySQL GTID set: per (uuid, tag), sorted disjoint inclusive intervals. */
export class MySqlGtidSet {
  /** key `uuid` or `uuid:tag` → intervals [start, end] inclusive, sorted, merged */
  private readonly sets = new Map<string, [bigint, bigint][]>();

  static parse(text: string): MySqlGtidSet {
    const s = new MySqlGtidSet();
    // MySQL prints newlines after the commas of @@gtid_executed
    for (const entry of text
      .replace(/\s+/g, '')
      .split(',')
      .filter((e) => e !== '')) {
      const m = new RegExp(`^(${UUID})((?::[^,]+)+)$`, 'i').exec(entry);
      if (!m) throw new Error(`not a MySQL GTID set entry (uuid:interval[:interval…]): ${JSON.stringify(entry)}`);
      const uuid = normUuid(m[1]);
      let tag = '';
      for (const part of m[2].slice(1).split(':')) {
        const iv = /^(\d+)(?:-(\d+))?$/.exec(part);
        if (!iv) {
          if (/^[a-z_][a-z0-9_]{0,31}$/i.test(part)) {
            tag = part.toLowerCase();
            continue;
          }
          throw new Error(`bad interval ${JSON.stringify(part)} in MySQL GTID set entry ${JSON.stringify(entry)}`);
        }
        const start = BigInt(iv[1]);
        const end = iv[2] === undefined ? start : BigInt(iv[2]);
        if (start < 1n || end < start) throw new Error(`bad interval ${JSON.stringify(part)} in MySQL GTID set entry ${JSON.stringify(entry)}`);
        s.addInterval(tag ? `${uuid}:${tag}` : uuid, start, end);
      }
    }
    return s;
  }

  private addInterval(key: string, start: bigint, end: bigint): void {
    const list = this.sets.get(key) ?? [];
    list.push([start, end]);
    list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const merged: [bigint, bigint][] = [];
    for (const iv of list) {
      const last = merged[merged.length - 1];
      if (last && iv[0] <= last[1] + 1n) last[1] = iv[1] > last[1] ? iv[1] : last[1];
      else merged.push([iv[0], iv[1]]);
    }
    this.sets.set(key, merged);
  }

  add(gtid: MySqlGtid | string): this {
    const g = typeof gtid === 'string' ? parseMySqlGtid(gtid) : gtid;
    this.addInterval(g.tag ? `${g.uuid}:${g.tag}` : g.uuid, g.transaction, g.transaction);
    return this;
  }

  contains(gtid: MySqlGtid | string): boolean {
    const g = typeof gtid === 'string' ? parseMySqlGtid(gtid) : gtid;
    const list = this.sets.get(g.tag ? `${g.uuid}:${g.tag}` : g.uuid) ?? [];
    return list.some(([a, b]) => g.transaction >= a && g.transaction <= b);
  }

  clone(): MySqlGtidSet {
    return MySqlGtidSet.parse(this.toString());
  }

  /** The GTIDs of this set that `other` does not contain (e.g. `@@gtid_purged` minus a stored position). */
  minus(other: MySqlGtidSet): MySqlGtidSet {
    const out = new MySqlGtidSet();
    for (const [key, list] of this.sets) {
      const holes = other.sets.get(key) ?? [];
      for (const [a, b] of list) {
        let from = a;
        for (const [c, d] of holes) {
          if (d < from || c > b) continue;
          if (c > from) out.addInterval(key, from, c - 1n);
          from = d + 1n;
        }
        if (from <= b) out.addInterval(key, from, b);
      }
    }
    return out;
  }

  get empty(): boolean {
    return this.sets.size === 0;
  }

  /** Canonical text: uuids ascending, untagged intervals before tagged ones, `a-b` or `a`. */
  toString(): string {
    const byUuid = new Map<string, string[]>();
    for (const key of [...this.sets.keys()].sort()) {
      const [uuid, tag] = key.split(':');
      const ivs = this.sets.get(key)!.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
      const parts = byUuid.get(uuid) ?? [];
      parts.push(...(tag ? [tag, ...ivs] : ivs));
      byUuid.set(uuid, parts);
    }
    return [...byUuid].map(([u, parts]) => `${u}:${parts.join(':')}`).join(',');
  }
}

/** Either flavour, chosen by the text's shape (`d-s-n` → MariaDB, `uuid:…` → MySQL). */
export function parseGtidPosition(text: string): MariaDbGtidPosition | MySqlGtidSet {
  const t = text.trim();
  if (t === '') throw new Error('empty GTID position');
  return /^\d+-\d+-\d+/.test(t) ? MariaDbGtidPosition.parse(t) : MySqlGtidSet.parse(t);
}
