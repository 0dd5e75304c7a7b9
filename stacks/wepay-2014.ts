import { Construct } from 'constructs';
import { TerraformStack } from 'cdktf';
import { ReferenceStackConfig } from './stack-config';
import { buildWePayCompany, WePayCompany } from './wepay-stages';

/**
 * WePay in 2014 (stage 0, none): the monolith's and two services' MySQL databases on Cloud SQL, made ready for change data capture from day one (row-based binary logs with full row images, kept 7 days) with a replication user whose password is a sensitive variable.
 * Built by {@link buildWePayCompany} at stage 0, so it is the same stack as the other stages of the company.
 */
export class WePay2014Stack extends TerraformStack {
  /** What was built. */
  public readonly company: WePayCompany;

  constructor(scope: Construct, id: string, config: ReferenceStackConfig) {
    super(scope, id);
    this.company = buildWePayCompany(this, 0, config);
  }
}
