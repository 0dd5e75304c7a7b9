/** Records as the engines hand them to the sink. */

/** A record ready for Kafka. */
export interface OutRecord {
  topic: string;
  key: string | null;
  value: string | null;
  headers?: Record<string, string>;
}
