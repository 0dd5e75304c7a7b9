import { Construct } from 'constructs';
import { BigqueryTable } from '@cdktf/provider-google/lib/bigquery-table';
import { BigqueryTableIamMember } from '@cdktf/provider-google/lib/bigquery-table-iam-member';
import { WarehouseDataset } from '../bigquery/warehouse-dataset';
import { literalAccountEmails } from '../bigquery/pipeline-service-account';
import { stableKey } from '../core/stable-key';
import { validateProps } from '../core/validation';
import { idSafe } from '../kafka/kafka-principal';
import { DataProductSpec } from './data-product';

/** Props of {@link DataProductViews}. */
export interface DataProductViewsProps {
  /** Google Cloud project of the views' dataset. */
  readonly project: string;
  /** BigQuery location; must be the location of the datasets the views read. @default 'US' */
  readonly location?: string;
  /** Id of the dataset holding the views, e.g. `payments_products`. */
  readonly datasetId: string;
  /** Products of the publisher; those with `views` get them. */
  readonly products: DataProductSpec[];
  /** The publisher's dataset of an id, for the views' sources. */
  readonly datasetById: (datasetId: string) => WarehouseDataset | undefined;
  /** Labels of the views' dataset. @default none */
  readonly labels?: Record<string, string>;
}

/**
 * The authorized views of a publisher's data products: one dataset of views (`<publisher>_products`),
 * each view authorized on the publisher's datasets it reads, so that a subscriber gets Data Viewer
 * on the view only (table-level IAM) and never on the datasets behind it.
 *
 * A dataset a view is authorized on keeps its other grants as `google_bigquery_dataset_access`
 * entries too ({@link WarehouseDataset.authorizeView}): dataset IAM members would remove the view's
 * authorization on every apply.
 */
export class DataProductViews extends Construct {
  /** The dataset holding the views. */
  public readonly dataset: WarehouseDataset;
  /** Views by `<product>/<view>`. */
  public readonly views: Record<string, BigqueryTable> = {};
  private readonly byProduct = new Map<string, BigqueryTable[]>();
  private readonly readers = new Set<string>();

  constructor(scope: Construct, id: string, props: DataProductViewsProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, {
      project: 'string',
      datasetId: 'string',
      products: 'DataProductSpec[]',
      datasetById: '(datasetId: string) => WarehouseDataset | undefined',
    });
    this.dataset = new WarehouseDataset(this, 'dataset', {
      project: props.project,
      datasetId: props.datasetId,
      location: props.location,
      description: 'Authorized views of the data products this publisher shares',
      labels: props.labels,
    });
    for (const product of props.products) {
      for (const view of product.views ?? []) {
        const table = new BigqueryTable(this, `${idSafe(product.name)}-${idSafe(view.name)}`, {
          project: props.project,
          datasetId: this.dataset.dataset.datasetId,
          tableId: view.name,
          description: `View ${view.name} of data product ${product.name}`,
          view: { query: view.query, useLegacySql: false },
          deletionProtection: false,
        });
        this.views[`${product.name}/${view.name}`] = table;
        this.byProduct.set(product.name, [...(this.byProduct.get(product.name) ?? []), table]);
        // The view reads its sources with its own authorization, not its reader's.
        for (const source of view.sources) {
          const dataset = props.datasetById(source);
          if (!dataset) continue; // reported by the product checks
          dataset.authorizeView(this, `${idSafe(product.name)}-${idSafe(view.name)}-on-${idSafe(source)}`, {
            projectId: props.project,
            datasetId: this.dataset.dataset.datasetId,
            tableId: table.tableId,
          });
        }
      }
    }
    validateProps(this, (p) => {
      p.check(/^[A-Za-z0-9_]{1,1024}$/.test(props.datasetId), 'datasetId', props.datasetId, "1-1024 letters, digits or '_'");
      if (this.readers.size === 0) return;
      const created = literalAccountEmails(this);
      for (const member of this.readers) {
        const path = created.get(member.replace(/^serviceAccount:/, ''));
        if (member.startsWith('serviceAccount:') && path) {
          p.add(
            'grantRead member',
            member,
            `the member attribute of the account ${path} creates (a literal email has no dependency edge: the grant races or precedes the account's creation)`,
          );
        }
      }
    });
  }

  /** Lets `member` read the views of `product` (Data Viewer on each view, nothing else). */
  public grantRead(product: string, member: string): void {
    for (const view of this.byProduct.get(product) ?? []) {
      this.readers.add(member);
      const id = `read-${view.node.id}-${stableKey(this, member)}`;
      if (this.node.tryFindChild(id)) continue;
      new BigqueryTableIamMember(this, id, {
        project: view.project,
        datasetId: view.datasetId,
        tableId: view.tableId,
        role: 'roles/bigquery.dataViewer',
        member,
      });
    }
  }
}
