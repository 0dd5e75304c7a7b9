/**
 * Counters for detection, by table, info type and action, plus Cloud DLP request figures.
 * Plain numbers: the worker exposes them however it exposes its other metrics
 * (`toPrometheus()` gives the text exposition format).
 */
import type { DlpRequestInfo } from './cloud';
import type { PolicyOutcome } from './policy';

export interface FindingCount {
  readonly table: string;
  readonly infoType: string;
  readonly action: string;
  readonly count: number;
}

export class DetectionMetrics {
  /** table → info type → action → count */
  private readonly findings = new Map<string, Map<string, Map<string, number>>>();
  private readonly events = new Map<string, number>();
  /** Events without findings per table (kept apart: the common case needs no key building). */
  private readonly clean = new Map<string, number>();
  /** Cloud DLP requests sent, bytes sent, and failures. */
  public dlpRequests = 0;
  public dlpBytes = 0;
  public dlpFailures = 0;
  public dlpRetries = 0;
  public dlpTruncated = 0;

  /** Counts the findings and the decision of one event (a `PolicyOutcome` or a `ScreenedChange`). */
  recordOutcome(table: string, outcome: Pick<PolicyOutcome, 'flags' | 'decision'>): void {
    if (outcome.flags.length === 0) {
      this.clean.set(table, (this.clean.get(table) ?? 0) + 1);
      return;
    }
    let byType = this.findings.get(table);
    if (!byType) this.findings.set(table, (byType = new Map()));
    for (const f of outcome.flags) {
      let byAction = byType.get(f.infoType);
      if (!byAction) byType.set(f.infoType, (byAction = new Map()));
      byAction.set(f.action, (byAction.get(f.action) ?? 0) + 1);
    }
    const key = `${table}\u0000${outcome.decision}`;
    this.events.set(key, (this.events.get(key) ?? 0) + 1);
  }

  /** Pass as `onRequest` of the Cloud DLP backend. */
  readonly recordRequest = (info: DlpRequestInfo): void => {
    this.dlpRequests++;
    this.dlpBytes += info.bytes;
    this.dlpRetries += info.attempts - 1;
    if (info.error) this.dlpFailures++;
    if (info.truncated) this.dlpTruncated++;
  };

  findingCounts(): FindingCount[] {
    const out: FindingCount[] = [];
    for (const [table, byType] of this.findings) {
      for (const [infoType, byAction] of byType) for (const [action, count] of byAction) out.push({ table, infoType, action, count });
    }
    return out;
  }

  /** Events per table and decision (`clean`, `deliver` with findings, `quarantine`). */
  eventCounts(): { table: string; decision: string; count: number }[] {
    const out = [...this.events].map(([k, count]) => {
      const [table, decision] = k.split('\u0000');
      return { table, decision, count };
    });
    for (const [table, count] of this.clean) out.push({ table, decision: 'clean', count });
    return out;
  }

  toPrometheus(prefix = 'cdc_detect'): string {
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    const lines = [`# TYPE ${prefix}_findings_total counter`];
    for (const c of this.findingCounts()) {
      lines.push(`${prefix}_findings_total{table="${esc(c.table)}",info_type="${esc(c.infoType)}",action="${c.action}"} ${c.count}`);
    }
    lines.push(`# TYPE ${prefix}_events_total counter`);
    for (const c of this.eventCounts()) lines.push(`${prefix}_events_total{table="${esc(c.table)}",decision="${c.decision}"} ${c.count}`);
    lines.push(`# TYPE ${prefix}_dlp_requests_total counter`, `${prefix}_dlp_requests_total ${this.dlpRequests}`);
    lines.push(`# TYPE ${prefix}_dlp_request_bytes_total counter`, `${prefix}_dlp_request_bytes_total ${this.dlpBytes}`);
    lines.push(`# TYPE ${prefix}_dlp_retries_total counter`, `${prefix}_dlp_retries_total ${this.dlpRetries}`);
    lines.push(`# TYPE ${prefix}_dlp_failures_total counter`, `${prefix}_dlp_failures_total ${this.dlpFailures}`);
    return lines.join('\n') + '\n';
  }
}
