import { IConstruct } from 'constructs';
import { Problems } from '../core/validation';
import { KafkaTopicConfig } from '../kafka/kafka-topic';
import { DATA_SENSITIVITIES, SourceTable } from '../sources/source-table';

/** One captured table (or collection) and the topic its changes go to. */
export interface CapturedTable {
  /** Qualified name as the source names it, e.g. `wepay.users`, `profiles.merchants`, `Payouts`. */
  readonly table: string;
  /** Topic the changes are written to. */
  readonly topic: string;
  /** The table's description: key, columns with sensitivity labels, selector labels. */
  readonly description: SourceTable;
}

/** A topic a capture needs besides its table topics (heartbeats, schema history, coordination). */
export interface CaptureInternalTopic {
  /** Topic name. */
  readonly name: string;
  /** Partitions. */
  readonly partitions: number;
  /** Topic config. */
  readonly config: KafkaTopicConfig;
  /** Whether the capture also reads it back (schema history, coordination topics). */
  readonly consumed: boolean;
  /** Consumer group, or group prefix when `groupIsPrefix`, the capture reads it with. @default none */
  readonly group?: string;
  /** Treat `group` as a prefix. @default false */
  readonly groupIsPrefix?: boolean;
  /** Whether the capture reads the topic's configuration to check it (Debezium's schema history does). @default false */
  readonly describesConfigs?: boolean;
}

/**
 * A capture: something that writes the changes of one source's tables into one topic per table
 * (a Debezium Connect connector, or an agent such as Debezium's Cassandra connector). Stage
 * constructs create the topics and ACLs a capture needs and route its topics to sinks; the
 * capture's own construct only describes and configures the capture.
 */
export interface ISourceCapture extends IConstruct {
  /** Logical name of the source: what sink selectors name as `source`. */
  readonly sourceName: string;
  /** Kind of source, e.g. `mongodb`, `spanner`, `cassandra`. */
  readonly sourceKind: string;
  /** Prefix of every table topic (`<prefix>.`). */
  readonly topicPrefix: string;
  /** Captured tables and their topics. */
  readonly captured: CapturedTable[];
  /** Kafka principal that writes the topics (the Connect workers, or the agent's user). */
  readonly producerPrincipal: string;
  /** Topics the capture needs besides the table topics. */
  readonly internalTopics: CaptureInternalTopic[];
}

/** Qualifies table descriptions and names their topics `<prefix>.<qualified name>`. */
export function describeCaptured(prefix: string, tables: SourceTable[], qualify: (name: string) => string): CapturedTable[] {
  return tables.map((t) => {
    const table = qualify(t.name);
    return { table, topic: `${prefix}.${table}`, description: t };
  });
}

/** Checks the table descriptions of a non-relational source: names, keys, duplicates. */
export function checkCapturedTables(
  p: Problems,
  property: string,
  tables: SourceTable[],
  captured: CapturedTable[],
  namePattern: RegExp,
  allowed: string,
): void {
  p.check(tables.length > 0, property, tables, 'at least one');
  const seen = new Set<string>();
  tables.forEach((t, i) => {
    p.check(namePattern.test(t.name), `${property}[${i}].name`, t.name, allowed);
    const q = captured[i]?.table ?? t.name;
    p.check(!seen.has(q), `${property}[${i}].name`, t.name, 'each one once');
    seen.add(q);
    p.check(t.primaryKey.length > 0, `${property}[${i}].primaryKey`, t.primaryKey, 'at least one key field (CDC keys events by it)');
    (t.columns ?? []).forEach((c, j) => {
      if (c.sensitivity !== undefined) {
        p.check(DATA_SENSITIVITIES.includes(c.sensitivity), `${property}[${i}].columns[${j}].sensitivity`, c.sensitivity, DATA_SENSITIVITIES.join(', '));
      }
    });
  });
}
