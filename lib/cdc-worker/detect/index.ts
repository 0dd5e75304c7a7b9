/**
 * Sensitive-data detection for the CDC worker (the talk's "Detect violations").
 *
 * ```ts
 * import { createDetector, applyPolicy, findingsByRow, DetectionMetrics } from './detect';
 *
 * const detector = createDetector({ backend: 'local', minLikelihood: 'LIKELY' });
 * // or: createDetector({ backend: 'cloud-dlp', projectId: 'my-project' })
 * const policy = {
 *   infoTypes: { EMAIL_ADDRESS: { action: 'hash' }, CREDIT_CARD_NUMBER: { action: 'quarantine' } },
 *   tables: { 'public.customers': { columns: { notes: { action: 'mask' } } } },
 *   quarantineTopic: 'cdc.quarantine',
 * } as const;
 *
 * const findings = await detector.inspectRows('public.customers', rows);   // one call per batch
 * const byRow = findingsByRow(findings);
 * rows.forEach((row, i) => {
 *   const outcome = applyPolicy(row, byRow.get(i) ?? [], policy, { table: 'public.customers', hashKey });
 *   metrics.recordOutcome('public.customers', outcome);
 *   // outcome.decision: 'deliver' outcome.row to the table's topic (outcome.flags as a header),
 *   //                   or 'quarantine' the original event to outcome.quarantineTopic
 * });
 * await detector.close();
 * ```
 *
 * - `SensitiveDataDetector`: `inspectRows(table, rows)` → findings in Cloud DLP's shape
 *   (quote, infoType.name, likelihood, location.byteRange / codepointRange relative to the cell,
 *   contentLocations[0].recordLocation.fieldId.name = column, .tableLocation.rowIndex = index
 *   in `rows`, containerName = table); `inspectText(text)`; `close()`. Both backends give the
 *   same shape; with `cloud-dlp`, which findings and likelihoods is Cloud DLP's own judgement.
 * - `createDetector(config)`: backend `local` (default; no network) or `cloud-dlp`
 *   (`DlpServiceClient.inspectContent` with rows as table items: batches under 0.5 MB encoded
 *   and 50,000 values, `concurrency` requests in flight (4), cells bigger than a request sent
 *   as overlapping chunks, truncated results split and re-sent; retries with exponential
 *   backoff and jitter on UNAVAILABLE / DEADLINE_EXCEEDED / ABORTED / INTERNAL and, from a
 *   longer delay, RESOURCE_EXHAUSTED (quota); other errors throw `DlpInspectError` saying
 *   what to do). `clientOptions` go to `DlpServiceClient` (credentials, or `apiEndpoint`,
 *   `port`, `sslCreds`, `universeDomain` for another endpoint).
 * - Local info types: PHONE_NUMBER, EMAIL_ADDRESS, CREDIT_CARD_NUMBER (Luhn and issuer prefix),
 *   US_SOCIAL_SECURITY_NUMBER (area 000/666/9xx, group 00, serial 0000 rejected), IP_ADDRESS
 *   (v4 and v6), IBAN_CODE (country length and mod-97). Likelihoods are DLP's scale; context
 *   words before a match or in the column name raise it (DLP's hotwords), e.g.
 *   "My phone number is (415) 555-0890" → PHONE_NUMBER, VERY_LIKELY, bytes 19–33.
 *   `minLikelihood` defaults to POSSIBLE, as in DLP.
 * - A cell's text is `cellText(value)`: strings as is, numbers in decimal, dates in ISO 8601,
 *   JSON columns as JSON; booleans, null and binary are not inspected.
 * - `applyPolicy(row, findings, policy, { table, hashKey })`: pure; flag / mask / hash
 *   (HMAC-SHA-256, base64) / redact / drop / quarantine, per table, column or info type
 *   (see policy.ts for the order). `validatePolicy` lists every problem of a policy at once.
 * - `DetectionMetrics`: findings by table, info type and action; Cloud DLP requests, bytes,
 *   retries (pass `metrics.recordRequest` as `onRequest`).
 * - `SensitiveDataScreen`: the worker's step in one call. `screen(table, changes)` takes the
 *   `before`/`after` images (and the `key` fields) of a batch of change events, inspects them in
 *   one `inspectRows` call, applies the policy and returns per event `deliver` (with transformed
 *   images and flags; `encodeFlags` for the `FINDINGS_HEADER` Kafka header) or `quarantine`
 *   (original event to `quarantineTopic`, its key columns transformed), and the key transformed
 *   as its columns are in the image (`keyQuarantined` when quarantine is the only action on it).
 *   The policy is validated when the screen is built: one error lists every problem.
 * - Worker config: `DetectionConfig` (the `detection` section), `DETECTION_CONFIG_SCHEMA` (its
 *   JSON schema, to add under `properties.detection` of the worker's schema),
 *   `validateDetectionConfig` (what the schema cannot check) and `createScreen(config, metrics)`.
 *
 * ```ts
 * const screen = createScreen(cfg.detection, metrics); // undefined when detection is off
 * // or: new SensitiveDataScreen(createDetector({ backend: 'local' }), policy, { hashKey, metrics })
 * for (const [i, s] of (await screen.screen('public.customers', changes)).entries()) {
 *   if (s.decision === 'quarantine') produce(s.quarantineTopic!, originalEvent(changes[i]));
 *   else produce(topic, event(s.before, s.after), { [FINDINGS_HEADER]: encodeFlags(s.flags) });
 * }
 * ```
 */
export * from './types';
export { createDetector } from './factory';
export type { DetectorConfig } from './factory';
export { createScreen, DETECTION_CONFIG_SCHEMA, validateDetectionConfig } from './config';
export type { DetectionConfig } from './config';
export { cellText, utf8Length } from './text';
export { LocalDetector } from './local';
export type { LocalDetectorOptions } from './local';
export { CloudDlpDetector, DlpInspectError, DLP_MAX_REQUEST_BYTES, DLP_MAX_TABLE_VALUES, toDlpValue } from './cloud';
export type { CloudDlpDetectorOptions, DlpClientLike, DlpRequestInfo, DlpValue, InspectContentRequest } from './cloud';
export * from './policy';
export { DetectionMetrics } from './metrics';
export { encodeFlags, FINDINGS_HEADER, SensitiveDataScreen } from './screen';
export type { ChangeFlag, ChangeRows, ScreenedChange, SensitiveDataScreenOptions } from './screen';
export type { FindingCount } from './metrics';
export { luhnValid, ssnValid, ibanChecksumValid, ipv4Valid, ipv6Valid, cardBrand, IBAN_LENGTHS } from './validators';
