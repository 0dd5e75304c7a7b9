import { Construct } from 'constructs';
import { ITerraformDependable } from 'cdktf';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member';
import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project';
import { validateProps } from '../core/validation';
import { WarehouseDataset } from '../bigquery/warehouse-dataset';

/** Props of {@link DlpFindings}. */
export interface DlpFindingsProps {
  /** Google Cloud project. */
  readonly project: string;
  /** Dataset the findings are saved into. @default 'dlp_findings' */
  readonly datasetId?: string;
  /** Table the findings are appended to. @default 'findings' */
  readonly tableId?: string;
  /** BigQuery location of that dataset. @default 'US' */
  readonly location?: string;
  /** Pub/Sub topic notified when a scan finishes. @default 'dlp-findings' */
  readonly topicName?: string;
  /** Team that owns the findings (the `owner` label). @default 'data-governance' */
  readonly owner?: string;
  /** Days findings are kept. @default 365 */
  readonly retentionDays?: number;
  /**
   * DLP resources the grants to the DLP service agent are created after, e.g. the inspect
   * template: the first DLP resource of the stack. See the class doc. @default none
   */
  readonly grantsAfter?: ITerraformDependable[];
}

/**
 * Where DLP scans report: a findings dataset (a {@link WarehouseDataset}, labelled and
 * deletion-protected; findings hold no quotes by default) and a Pub/Sub topic notified when a
 * scan finishes. The DLP service agent may write the one and publish to the other, nothing else.
 *
 * **The service agent's existence.** `service-<project number>@dlp-api.iam.gserviceaccount.com` "is
 * created when it is first needed" (Sensitive Data Protection, "Service agents"); granting it
 * anything before then fails with `Service account … does not exist`. Terraform can create it
 * ahead only with `google_project_service_identity`, which hashicorp/google 6.50 does not have (it
 * is in google-beta only). So the grants are created after `grantsAfter` (DataAutomation passes
 * its inspect template, the stack's first DLP call), and scans depend on the grants
 * ({@link agentGrants}). On a project where DLP was never used, create the agent once before the
 * first apply: `gcloud beta services identity create --service=dlp.googleapis.com --project=<p>`.
 */
export class DlpFindings extends Construct {
  /** The findings dataset. */
  public readonly dataset: WarehouseDataset;
  /** Table findings are appended to. */
  public readonly tableId: string;
  /** The notification topic. */
  public readonly topic: PubsubTopic;
  /** Topic id as DLP's Pub/Sub action takes it, `projects/p/topics/t`. */
  public readonly topicId: string;
  /** Project. */
  public readonly project: string;
  /** IAM member of the project's DLP service agent. */
  public readonly serviceAgent: string;
  /** The grants to the service agent (write on the dataset, publish to the topic), for scans to depend on. */
  public readonly agentGrants: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: DlpFindingsProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { project: 'string' });
    this.project = props.project;
    this.tableId = props.tableId ?? 'findings';
    const topicName = props.topicName ?? 'dlp-findings';
    const retentionDays = props.retentionDays ?? 365;
    validateProps(this, (p) => {
      p.check(/^[A-Za-z0-9_]{1,1024}$/.test(this.tableId), 'tableId', this.tableId, "1-1024 letters, digits or '_'");
      p.check(
        /^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$/.test(topicName) && !topicName.startsWith('goog'),
        'topicName',
        topicName,
        "3-255 letters, digits, '.', '_', '~', '%', '+' or '-', starting with a letter, not 'goog'",
      );
      p.check(Number.isInteger(retentionDays) && retentionDays >= 1, 'retentionDays', retentionDays, 'a whole number of days >= 1');
    });
    this.dataset = new WarehouseDataset(this, 'dataset', {
      project: props.project,
      datasetId: props.datasetId ?? 'dlp_findings',
      location: props.location,
      description: 'Findings of the scheduled DLP scans of the warehouse (info types and locations, no quotes).',
      labels: { owner: props.owner ?? 'data-governance', classification: 'confidential' },
      defaultTableExpirationMs: undefined,
      defaultPartitionExpirationMs: retentionDays * 86400000,
    });
    this.topic = new PubsubTopic(this, 'topic', {
      project: props.project,
      name: topicName,
      labels: { owner: props.owner ?? 'data-governance' },
      messageRetentionDuration: '604800s',
    });
    this.topicId = `projects/${props.project}/topics/${topicName}`;
    const project = new DataGoogleProject(this, 'project', { projectId: props.project });
    this.serviceAgent = `serviceAccount:service-${project.number}@dlp-api.iam.gserviceaccount.com`;
    const after = props.grantsAfter ?? [];
    const write = this.dataset.grantWrite(this.serviceAgent, { dependsOn: after });
    const publish = new PubsubTopicIamMember(this, 'dlp-publisher', {
      project: props.project,
      topic: this.topic.name,
      role: 'roles/pubsub.publisher',
      member: this.serviceAgent,
      dependsOn: after.length > 0 ? after : undefined,
    });
    this.agentGrants = [write, publish];
  }
}
