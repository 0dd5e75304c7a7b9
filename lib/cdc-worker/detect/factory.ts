/** `createDetector`: the backend for a config. */
import { CloudDlpDetector, CloudDlpDetectorOptions } from './cloud';
import { LocalDetector, LocalDetectorOptions } from './local';
import type { SensitiveDataDetector } from './types';

/** Which backend, and its options. */
export type DetectorConfig = ({ readonly backend?: 'local' } & LocalDetectorOptions) | ({ readonly backend: 'cloud-dlp' } & CloudDlpDetectorOptions);

/** The detector for a config: local unless `backend` is `cloud-dlp`. */
export function createDetector(config: DetectorConfig = {}): SensitiveDataDetector {
  if (config.backend === 'cloud-dlp') return new CloudDlpDetector(config);
  if (config.backend !== undefined && config.backend !== 'local') {
    throw new Error(`detection backend must be "local" or "cloud-dlp", got "${(config as { backend: string }).backend}"`);
  }
  return new LocalDetector(config);
}
