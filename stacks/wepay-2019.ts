import { Construct } from 'constructs';
import { TerraformStack } from 'cdktf';
import { ReferenceStackConfig } from './stack-config';
import { buildWePayCompany, WePayCompany } from './wepay-stages';

/**
 * WePay in 2019 (stage 3, integration): the realtime pipeline of 2017 kept as it was, plus a PostgreSQL payouts service, MongoDB merchant profiles, balances on Spanner and risk events on Cassandra, routed by selector to BigQuery, search, a graph database, a reporting database and Pub/Sub.
 * Built by {@link buildWePayCompany} at stage 3, so it is the same stack as the other stages of the company.
 */
export class WePay2019Stack extends TerraformStack {
  /** What was built. */
  public readonly company: WePayCompany;

  constructor(scope: Construct, id: string, config: ReferenceStackConfig) {
    super(scope, id);
    this.company = buildWePayCompany(this, 3, config);
  }
}
