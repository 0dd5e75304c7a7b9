import { Construct } from 'constructs';
import { LoggingMetric } from '@cdktf/provider-google/lib/logging-metric';
import { validateProps } from '../core/validation';

/** Props of {@link LogBasedMetric}. */
export interface LogBasedMetricProps {
  /** Google Cloud project. */
  readonly project: string;
  /** Metric name: letters, digits, '_', '-', '.' and '/', at most 100 characters. */
  readonly name: string;
  /** Cloud Logging filter of the entries counted. */
  readonly filter: string;
  /** What the metric counts, in a sentence. */
  readonly description: string;
  /** Labels extracted from each entry, e.g. `{ kind: 'EXTRACT(jsonPayload.kind)' }`. @default none */
  readonly labelExtractors?: Record<string, string>;
  /**
   * A value taken from each entry, e.g. `EXTRACT(jsonPayload.retainedWalBytes)`: the metric is then
   * a distribution of those values (exponential buckets, see {@link LogBasedMetricProps.buckets})
   * instead of a counter of entries. @default none (a counter)
   */
  readonly valueExtractor?: string;
  /** Buckets of a distribution: the first bucket's upper bound (`scale`) and each next one's factor. @default { scale: 1, growthFactor: 1.25, count: 150 } */
  readonly buckets?: { readonly scale: number; readonly growthFactor: number; readonly count: number };
  /** Unit of a distribution's values (UCUM, e.g. 'By', 's'). @default '1' */
  readonly unit?: string;
}

/**
 * A counter of log entries (`google_logging_metric`), so alert policies can watch what only
 * logs tell: worker errors, restarts. The Cloud Monitoring metric type is
 * `logging.googleapis.com/user/<name>`.
 */
export class LogBasedMetric extends Construct {
  /** Metric type for Cloud Monitoring filters. */
  public readonly metricType: string;
  /** Metric name. */
  public readonly name: string;
  /** The resource. */
  public readonly metric: LoggingMetric;

  constructor(scope: Construct, id: string, props: LogBasedMetricProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { project: 'string', name: 'string', filter: 'string', description: 'string' });
    this.name = props.name;
    const extractors = props.labelExtractors ?? {};
    const buckets = props.buckets ?? { scale: 1, growthFactor: 1.25, count: 150 };
    const distribution = props.valueExtractor !== undefined;
    validateProps(this, (p) => {
      p.check(/^[A-Za-z0-9_./-]{1,100}$/.test(props.name), 'name', props.name, "1-100 letters, digits, '_', '-', '.' or '/'");
      p.check(props.filter.trim().length > 0, 'filter', props.filter, 'a Cloud Logging filter');
      for (const [k, v] of Object.entries(extractors)) {
        p.check(/^[a-z][a-z0-9_]{0,99}$/.test(k), `labelExtractors['${k}']`, k, "label keys of lowercase letters, digits and '_'");
        p.check(/^(EXTRACT|REGEXP_EXTRACT)\(.+\)$/.test(v), `labelExtractors['${k}']`, v, 'EXTRACT(field) or REGEXP_EXTRACT(field, "regex")');
      }
      if (props.valueExtractor !== undefined) {
        p.check(
          /^(EXTRACT|REGEXP_EXTRACT)\(.+\)$/.test(props.valueExtractor),
          'valueExtractor',
          props.valueExtractor,
          'EXTRACT(field) or REGEXP_EXTRACT(field, "regex")',
        );
      }
      p.check(
        buckets.scale > 0 && buckets.growthFactor > 1 && Number.isInteger(buckets.count) && buckets.count >= 1 && buckets.count <= 198,
        'buckets',
        buckets,
        'scale > 0, growthFactor > 1, count an integer from 1 to 198',
      );
    });
    this.metric = new LoggingMetric(this, 'metric', {
      project: props.project,
      name: props.name,
      description: props.description,
      filter: props.filter,
      metricDescriptor: {
        metricKind: 'DELTA',
        valueType: distribution ? 'DISTRIBUTION' : 'INT64',
        unit: distribution ? (props.unit ?? '1') : '1',
        labels: Object.keys(extractors).length > 0 ? Object.keys(extractors).map((key) => ({ key, valueType: 'STRING' })) : undefined,
      },
      labelExtractors: Object.keys(extractors).length > 0 ? extractors : undefined,
      valueExtractor: props.valueExtractor,
      bucketOptions: distribution
        ? { exponentialBuckets: { scale: buckets.scale, growthFactor: buckets.growthFactor, numFiniteBuckets: buckets.count } }
        : undefined,
    });
    // Policies reference the metric resource, so they are created after it exists.
    this.metricType = `logging.googleapis.com/user/${this.metric.name}`;
  }
}
