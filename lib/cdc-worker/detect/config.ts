/**
 * The worker's `detection` config section: its type, its JSON schema (draft-07, in the style of
 * `CDC_WORKER_CONFIG_SCHEMA`, ready to be a property of it), and `createScreen`, which turns a
 * validated section into a ready `SensitiveDataScreen`.
 *
 * ```json
 * "detection": {
 *   "backend": "local",
 *   "minLikelihood": "LIKELY",
 *   "policy": {
 *     "infoTypes": { "EMAIL_ADDRESS": { "action": "hash" }, "CREDIT_CARD_NUMBER": { "action": "quarantine" } },
 *     "tables": { "public.customers": { "columns": { "notes": { "action": "mask" } } } },
 *     "quarantineTopic": "cdc.quarantine"
 *   }
 * }
 * ```
 * The HMAC key for `hash` is `hashKey`, usually supplied through `CDC_DETECTION__HASH_KEY`
 * from a secret.
 */
import { createDetector } from './factory';
import { DetectionMetrics } from './metrics';
import { DetectionPolicy, validatePolicy } from './policy';
import { SensitiveDataScreen } from './screen';
import { Likelihood, LIKELIHOODS, LOCAL_INFO_TYPES } from './types';

/** The `detection` section of the worker config. */
export interface DetectionConfig {
  /** Detect sensitive data at all. @default true when the section is present */
  readonly enabled?: boolean;
  /** `local` (no network) or `cloud-dlp`. @default "local" */
  readonly backend?: 'local' | 'cloud-dlp';
  /** Info types to look for (DLP names). @default the six local info types */
  readonly infoTypes?: string[];
  /** @default "POSSIBLE" */
  readonly minLikelihood?: Likelihood;
  /** Cloud DLP: the project requests are made in; required for `cloud-dlp`. */
  readonly projectId?: string;
  /** Cloud DLP location. @default "global" */
  readonly location?: string;
  /** Cloud DLP requests in flight at once. @default 4 */
  readonly concurrency?: number;
  /** Cloud DLP attempts per request. @default 6 */
  readonly maxAttempts?: number;
  /** Cloud DLP deadline per request, ms. @default 60000 */
  readonly timeoutMs?: number;
  /** What to do with findings. @default flag everything */
  readonly policy?: DetectionPolicy;
  /** HMAC key for `hash` actions; usually supplied through `CDC_DETECTION__HASH_KEY` from a secret. */
  readonly hashKey?: string;
}

const action = {
  type: 'object',
  additionalProperties: false,
  required: ['action'],
  properties: {
    action: { enum: ['flag', 'mask', 'hash', 'redact', 'drop', 'quarantine'] },
    maskingCharacter: { type: 'string', minLength: 1, maxLength: 2 },
    numberToMask: { type: 'integer', minimum: 0 },
    reverseOrder: { type: 'boolean' },
    charactersToIgnore: { type: 'string' },
    replaceWithInfoType: { type: 'boolean' },
  },
} as const;
const actionMap = { type: 'object', additionalProperties: action } as const;

/** JSON schema of `DetectionConfig`. */
export const DETECTION_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean', default: true },
    backend: { enum: ['local', 'cloud-dlp'], default: 'local' },
    infoTypes: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^[A-Z0-9_]+$' }, default: [...LOCAL_INFO_TYPES] },
    minLikelihood: { enum: [...LIKELIHOODS], default: 'POSSIBLE' },
    projectId: { type: 'string', minLength: 1 },
    location: { type: 'string', minLength: 1, default: 'global' },
    concurrency: { type: 'integer', minimum: 1, maximum: 64, default: 4 },
    maxAttempts: { type: 'integer', minimum: 1, maximum: 20, default: 6 },
    timeoutMs: { type: 'integer', minimum: 1000, default: 60000 },
    hashKey: { type: 'string', minLength: 16 },
    policy: {
      type: 'object',
      additionalProperties: false,
      properties: {
        default: action,
        infoTypes: actionMap,
        tables: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            properties: { default: action, infoTypes: actionMap, columns: actionMap },
          },
        },
        quarantineTopic: { type: 'string', minLength: 1, maxLength: 249, pattern: '^[a-zA-Z0-9._-]+$' },
      },
    },
  },
} as const;

/**
 * Problems the schema cannot see, all at once (empty when fine): `cloud-dlp` without a project,
 * local info types the local backend does not have, and the policy's own problems.
 */
export function validateDetectionConfig(config: DetectionConfig): string[] {
  const problems: string[] = [];
  if (config.backend === 'cloud-dlp' && !config.projectId) problems.push('detection.projectId: required for backend "cloud-dlp"');
  if ((config.backend ?? 'local') === 'local') {
    const unknown = (config.infoTypes ?? []).filter((t) => !(LOCAL_INFO_TYPES as readonly string[]).includes(t));
    if (unknown.length > 0)
      problems.push(
        `detection.infoTypes: the local backend has no ${unknown.join(', ')}; it has ${LOCAL_INFO_TYPES.join(', ')} (use backend "cloud-dlp" for others)`,
      );
  }
  for (const p of validatePolicy(config.policy ?? {}, { hasHashKey: Boolean(config.hashKey) })) problems.push(`detection.policy.${p}`);
  return problems;
}

/** The screen for a validated `detection` section (undefined when detection is off). */
export function createScreen(config: DetectionConfig | undefined, metrics?: DetectionMetrics): SensitiveDataScreen | undefined {
  if (!config || config.enabled === false) return undefined;
  const problems = validateDetectionConfig(config);
  if (problems.length > 0) throw new Error(`Invalid detection config:\n- ${problems.join('\n- ')}`);
  const common = { infoTypes: config.infoTypes, minLikelihood: config.minLikelihood };
  const detector =
    config.backend === 'cloud-dlp'
      ? createDetector({
          backend: 'cloud-dlp',
          ...common,
          projectId: config.projectId!,
          location: config.location,
          concurrency: config.concurrency,
          maxAttempts: config.maxAttempts,
          timeoutMs: config.timeoutMs,
          onRequest: metrics?.recordRequest,
        })
      : createDetector({ backend: 'local', ...common });
  return new SensitiveDataScreen(detector, config.policy ?? {}, { hashKey: config.hashKey, metrics });
}
