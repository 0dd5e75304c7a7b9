// The benchmark company's shape, shared by the constructs and the L1 builds (no library imports here).

/** The shape of the benchmark company. */
export interface CompanyShape {
  /** Domains (even-numbered ones are full, odd-numbered partial). */
  readonly domains: number;
  /** Tables per domain: full domains capture them from two PostgreSQL databases; partial domains own as many topics. */
  readonly tablesPerDomain: number;
}

export const PROJECT = 'acme-data-platform';
export const BOOTSTRAP = ['kafka-1.data.internal:9093', 'kafka-2.data.internal:9093', 'kafka-3.data.internal:9093'];
export const SOURCES_PER_FULL_DOMAIN = 2;

/** Domain `i`'s name. */
export const domainName = (i: number) => `team-${String(i).padStart(3, '0')}`;
/** Whether domain `i` is full. */
export const isFull = (i: number) => i % 2 === 0;
/** Table names of one source of a full domain. */
export const tableNames = (perSource: number) => Array.from({ length: perSource }, (_, j) => `t${String(j).padStart(3, '0')}`);
/** Topic names a partial domain owns. */
export const partialTopics = (name: string, n: number) => Array.from({ length: n }, (_, j) => `${name}.events.e${String(j).padStart(3, '0')}`);
/** The full domain a partial domain `i` subscribes to. */
export const publisherOf = (i: number) => i - 1;
