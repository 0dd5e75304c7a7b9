import { TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { WarehouseDataset } from '../bigquery/warehouse-dataset';
import { KafkaTopic } from '../kafka/kafka-topic';
import { DataSensitivity, SENSITIVE_LABELS, SourceTable } from '../sources/source-table';
import { bigQueryTableIdForTopic } from './classified-table';

/** One table a sink lands in the warehouse: its topic, its table id and its source description. */
export interface WarehouseFeedTable {
  /** The topic the sink reads. */
  readonly topic: KafkaTopic;
  /** The table the sink writes. @default the sink's name for the topic (see bigQueryTableIdForTopic) */
  readonly tableId?: string;
  /** The source table: key, columns and sensitivity labels. */
  readonly description: SourceTable;
}

/** What one sink lands in one dataset. */
export interface WarehouseFeed {
  /** Dataset written. */
  readonly dataset: WarehouseDataset;
  /** Tables written. */
  readonly tables: WarehouseFeedTable[];
  /** Connector config of the sink (which fields it adds, whether it deletes rows on tombstones). */
  readonly sinkConfig: Record<string, string>;
}

/** A construct that knows what it lands in the warehouse (stage constructs implement it). */
export interface IWarehouseFeeds extends IConstruct {
  /** Feeds, one per sink and dataset. */
  readonly warehouseFeeds: WarehouseFeed[];
}

/** The sensitive labels among a table's columns, in the order of SENSITIVE_LABELS. */
export function sensitiveLabelsOf(table: SourceTable): DataSensitivity[] {
  const found = new Set((table.columns ?? []).map((c) => c.sensitivity ?? 'internal'));
  return SENSITIVE_LABELS.filter((l) => found.has(l));
}

/** Realtime-pipeline parts, as {@link RealtimePipeline} exposes them per source. */
interface PipelinePartsLike {
  readonly topics: Record<string, KafkaTopic>;
  readonly tables: Record<string, SourceTable>;
  readonly dataset: WarehouseDataset;
  readonly sink: { readonly connector: { readonly config: Record<string, string> } };
}

function isPipelineParts(x: unknown): x is PipelinePartsLike {
  const v = x as PipelinePartsLike;
  return !!v && typeof v === 'object' && v.dataset instanceof WarehouseDataset && !!v.topics && !!v.tables && !!v.sink?.connector?.config;
}

/**
 * The feeds of a pipeline that exposes `sources[name] = { topics, tables, dataset, sink }`, as
 * {@link RealtimePipeline} does: one feed per source, each captured table with its topic.
 */
export function feedsOfPipeline(pipeline: { readonly sources: Record<string, unknown> }): WarehouseFeed[] {
  const feeds: WarehouseFeed[] = [];
  for (const parts of Object.values(pipeline.sources)) {
    if (!isPipelineParts(parts)) continue;
    const tables: WarehouseFeedTable[] = [];
    for (const [qualified, topic] of Object.entries(parts.topics)) {
      const description = parts.tables[qualified];
      if (description) tables.push({ topic, description });
    }
    feeds.push({ dataset: parts.dataset, tables, sinkConfig: parts.sink.connector.config });
  }
  return feeds;
}

/** One table of the inventory. */
export interface InventoriedTable {
  /** Topic name. */
  readonly topic: string;
  /** Dataset id. */
  readonly datasetId: string;
  /** Table id in the dataset. */
  readonly tableId: string;
  /** The source description. */
  readonly description: SourceTable;
  /** Sensitive labels on its columns. */
  readonly labels: DataSensitivity[];
  /** The dataset construct. */
  readonly dataset: WarehouseDataset;
  /** The sink's connector config. */
  readonly sinkConfig: Record<string, string>;
}

/**
 * What sensitive data is where in one stack: which topics and datasets carry which labels,
 * collected from every construct that lists its warehouse feeds ({@link IWarehouseFeeds}) or
 * exposes pipeline parts like {@link RealtimePipeline}. Governance rules and stage 4 read it.
 */
export class DataInventory {
  /** The inventory of a stack, built from its constructs as they are now. */
  public static of(scope: IConstruct): DataInventory {
    const stack = TerraformStack.of(scope);
    const feeds: WarehouseFeed[] = [];
    const seen = new Set<string>();
    for (const c of stack.node.findAll()) {
      const candidate = c as unknown as Partial<IWarehouseFeeds> & { sources?: Record<string, unknown> };
      const found = Array.isArray(candidate.warehouseFeeds)
        ? candidate.warehouseFeeds
        : candidate.sources && typeof candidate.sources === 'object' && !Array.isArray(candidate.sources)
          ? feedsOfPipeline(candidate as { sources: Record<string, unknown> })
          : [];
      for (const f of found) {
        for (const t of f.tables) {
          const key = `${f.dataset.node.path} ${t.topic.node.path}`;
          if (seen.has(key)) continue;
          seen.add(key);
          feeds.push({ ...f, tables: [t] });
        }
      }
    }
    return new DataInventory(feeds);
  }

  /** Every table landed, with its labels. */
  public readonly tables: InventoriedTable[];

  constructor(feeds: WarehouseFeed[]) {
    this.tables = feeds.flatMap((f) =>
      f.tables.map((t) => ({
        topic: t.topic.name,
        datasetId: f.dataset.datasetId,
        tableId: t.tableId ?? bigQueryTableIdForTopic(t.topic.name),
        description: t.description,
        labels: sensitiveLabelsOf(t.description),
        dataset: f.dataset,
        sinkConfig: f.sinkConfig,
      })),
    );
  }

  /** Sensitive labels of the data in a topic. */
  public topicLabels(topic: string): DataSensitivity[] {
    return unionLabels(this.tables.filter((t) => t.topic === topic));
  }

  /** Sensitive labels of the data landing in a dataset. */
  public datasetLabels(dataset: WarehouseDataset): DataSensitivity[] {
    return unionLabels(this.tables.filter((t) => t.dataset === dataset));
  }

  /** Tables of a dataset. */
  public tablesOf(dataset: WarehouseDataset): InventoriedTable[] {
    return this.tables.filter((t) => t.dataset === dataset);
  }
}

function unionLabels(tables: InventoriedTable[]): DataSensitivity[] {
  const all = new Set(tables.flatMap((t) => t.labels));
  return SENSITIVE_LABELS.filter((l) => all.has(l));
}
