/**
 * Types shared by the detectors, in Cloud DLP's shape (google.privacy.dlp.v2), so that findings
 * from the local detectors and from Cloud DLP can be compared and handled by the same policy.
 * int64 fields of the API (offsets, row index) are plain numbers here.
 */

/** Cloud DLP's likelihood scale, lowest to highest. */
export type Likelihood = 'VERY_UNLIKELY' | 'UNLIKELY' | 'POSSIBLE' | 'LIKELY' | 'VERY_LIKELY';

/** The scale in order; the index is the rank used for `minLikelihood` comparisons. */
export const LIKELIHOODS: readonly Likelihood[] = ['VERY_UNLIKELY', 'UNLIKELY', 'POSSIBLE', 'LIKELY', 'VERY_LIKELY'];

/** Rank of a likelihood on the scale (VERY_UNLIKELY = 0 … VERY_LIKELY = 4); unknown values rank -1. */
export function likelihoodRank(likelihood: string): number {
  return LIKELIHOODS.indexOf(likelihood as Likelihood);
}

/** Info types the local detectors implement, named as in Cloud DLP. */
export type LocalInfoType = 'PHONE_NUMBER' | 'EMAIL_ADDRESS' | 'CREDIT_CARD_NUMBER' | 'US_SOCIAL_SECURITY_NUMBER' | 'IP_ADDRESS' | 'IBAN_CODE';

/** All info types of the local detectors. */
export const LOCAL_INFO_TYPES: readonly LocalInfoType[] = [
  'PHONE_NUMBER',
  'EMAIL_ADDRESS',
  'CREDIT_CARD_NUMBER',
  'US_SOCIAL_SECURITY_NUMBER',
  'IP_ADDRESS',
  'IBAN_CODE',
];

/** Half-open range `[start, end)`. */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/** Where a finding is in a table item (DLP's `RecordLocation`). */
export interface RecordLocation {
  /** The column. */
  readonly fieldId: { readonly name: string };
  /** The row, as an index into the rows passed to `inspectRows`. */
  readonly tableLocation: { readonly rowIndex: number };
}

/** DLP's `ContentLocation`, reduced to what content inspection returns. */
export interface ContentLocation {
  /** The table given to `inspectRows` (Cloud DLP leaves this empty for content inspection). */
  readonly containerName?: string;
  readonly recordLocation?: RecordLocation;
}

/** DLP's `Location`. Ranges are relative to the cell (or the text) the finding is in. */
export interface FindingLocation {
  /** UTF-8 byte offsets. */
  readonly byteRange: Range;
  /** Unicode code point offsets (not UTF-16 code units). */
  readonly codepointRange: Range;
  /** Column and row, for table items; empty for plain text. */
  readonly contentLocations: readonly ContentLocation[];
}

/** DLP's `Finding`, reduced to what content inspection returns. */
export interface Finding {
  /** The matched text; left out when `includeQuote` is false. */
  readonly quote?: string;
  readonly infoType: { readonly name: string };
  readonly likelihood: Likelihood;
  readonly location: FindingLocation;
}

/** A row as the worker has it: column name to value (a Debezium `after`/`before` record). */
export type Row = Readonly<Record<string, unknown>>;

/** What both backends implement. */
export interface SensitiveDataDetector {
  /** Which backend this is. */
  readonly backend: 'local' | 'cloud-dlp';
  /**
   * Inspects rows of one table. Every column is inspected; findings carry the column and the
   * row's index in `rows`, with ranges relative to the cell's text (see `cellText`).
   */
  inspectRows(table: string, rows: readonly Row[]): Promise<Finding[]>;
  /** Inspects one piece of text; findings have no content locations. */
  inspectText(text: string): Promise<Finding[]>;
  /** Releases connections (the Cloud DLP client); the local backend has nothing to release. */
  close(): Promise<void>;
}

/** Options common to both backends. */
export interface InspectOptions {
  /** Info types to look for. @default all of LOCAL_INFO_TYPES */
  readonly infoTypes?: readonly string[];
  /** Findings below this likelihood are left out (as DLP's `minLikelihood`). @default "POSSIBLE" */
  readonly minLikelihood?: Likelihood;
  /** Put the matched text in `quote`. @default true */
  readonly includeQuote?: boolean;
}
