import { SourceTable } from '../constructs/sources/source-table';

/** Tables of WePay's MySQL monolith, as the reference stacks model them. */
export const monolithTables: SourceTable[] = [
  {
    name: 'users',
    primaryKey: ['id'],
    columns: [
      { name: 'id', type: 'bigint', sensitivity: 'internal' },
      { name: 'email', type: 'varchar', sensitivity: 'pii' },
      { name: 'phone', type: 'varchar', sensitivity: 'pii' },
      { name: 'created_at', type: 'datetime', sensitivity: 'internal' },
    ],
    labels: ['core'],
  },
  {
    name: 'merchants',
    primaryKey: ['id'],
    columns: [
      { name: 'id', type: 'bigint' },
      { name: 'name', type: 'varchar', sensitivity: 'public' },
      { name: 'tax_id', type: 'varchar', sensitivity: 'pii-high' },
    ],
    labels: ['core'],
  },
  {
    name: 'payments',
    primaryKey: ['id'],
    columns: [
      { name: 'id', type: 'bigint' },
      { name: 'merchant_id', type: 'bigint' },
      { name: 'amount', type: 'decimal(18,2)' },
      { name: 'card_number', type: 'varchar', sensitivity: 'pci' },
    ],
    labels: ['payments'],
  },
];

/** Tables of the risk service. */
export const riskTables: SourceTable[] = [
  {
    name: 'risk_scores',
    primaryKey: ['payment_id'],
    columns: [
      { name: 'payment_id', type: 'bigint' },
      { name: 'score', type: 'double' },
    ],
    labels: ['risk'],
  },
  { name: 'rules', primaryKey: ['id'], labels: ['risk'] },
];

/** Tables of the ledger service. */
export const ledgerTables: SourceTable[] = [
  {
    name: 'entries',
    primaryKey: ['id'],
    columns: [
      { name: 'account_id', type: 'bigint' },
      { name: 'amount', type: 'decimal(18,2)' },
    ],
    labels: ['payments', 'finance'],
  },
  { name: 'accounts', primaryKey: ['id'], columns: [{ name: 'owner_email', type: 'varchar', sensitivity: 'pii' }], labels: ['finance'] },
];

/** Tables of the payouts service (PostgreSQL), added at stage 3. */
export const payoutsTables: SourceTable[] = [
  {
    name: 'payouts',
    primaryKey: ['id'],
    columns: [
      { name: 'merchant_id', type: 'bigint' },
      { name: 'amount', type: 'numeric(18,2)' },
      { name: 'iban', type: 'text', sensitivity: 'pii-high' },
    ],
    labels: ['payments', 'finance'],
  },
  { name: 'settlements', primaryKey: ['id'], labels: ['finance'] },
];

/** Collections of the merchant profile service (MongoDB), added at stage 3. */
export const merchantProfileCollections: SourceTable[] = [
  { name: 'merchant_profiles', primaryKey: ['_id'], columns: [{ name: 'contact_email', sensitivity: 'pii' }], labels: ['core', 'search'] },
  { name: 'storefronts', primaryKey: ['_id'], labels: ['search'] },
];

/** Tables of the balances database on Spanner (NewSQL), added at stage 3. */
export const balanceTables: SourceTable[] = [
  { name: 'Balances', primaryKey: ['AccountId'], labels: ['finance'] },
  { name: 'Holds', primaryKey: ['AccountId', 'HoldId'], labels: ['finance', 'risk'] },
];

/** Tables of the risk event store on Cassandra, added at stage 3. */
export const riskEventTables: SourceTable[] = [
  { name: 'risk.device_events', primaryKey: ['device_id', 'event_time'], columns: [{ name: 'ip_address', sensitivity: 'pii' }], labels: ['risk'] },
];
