import { Construct } from 'constructs';
import { TerraformStack } from 'cdktf';
import { ReferenceStackConfig } from './stack-config';
import { buildWePayCompany, WePayCompany } from './wepay-stages';

/**
 * WePay in 2016 (stage 1, batch): the same databases, copied into BigQuery every day by Airflow on Cloud Composer with one generated DAG per database.
 * Built by {@link buildWePayCompany} at stage 1, so it is the same stack as the other stages of the company.
 */
export class WePay2016Stack extends TerraformStack {
  /** What was built. */
  public readonly company: WePayCompany;

  constructor(scope: Construct, id: string, config: ReferenceStackConfig) {
    super(scope, id);
    this.company = buildWePayCompany(this, 1, config);
  }
}
