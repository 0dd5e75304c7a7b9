import { DataSensitivity } from '../sources/source-table';

/** DLP likelihoods, least to most certain. */
export type DlpLikelihood = 'VERY_UNLIKELY' | 'UNLIKELY' | 'POSSIBLE' | 'LIKELY' | 'VERY_LIKELY';

/** All likelihoods, in order. */
export const DLP_LIKELIHOODS: readonly DlpLikelihood[] = ['VERY_UNLIKELY', 'UNLIKELY', 'POSSIBLE', 'LIKELY', 'VERY_LIKELY'];

/**
 * Built-in Cloud DLP info types that find data of each sensitivity label. A scan of a table
 * looks for the info types of every sensitive label, not just those declared on its columns:
 * what a scan is for is finding what nobody declared.
 */
export const INFO_TYPES_BY_LABEL: Record<DataSensitivity, readonly string[]> = {
  public: [],
  internal: [],
  confidential: [],
  pii: ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'PERSON_NAME', 'STREET_ADDRESS', 'IP_ADDRESS'],
  'pii-high': ['US_SOCIAL_SECURITY_NUMBER', 'US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER', 'US_EMPLOYER_IDENTIFICATION_NUMBER', 'PASSPORT', 'IBAN_CODE'],
  pci: ['CREDIT_CARD_NUMBER', 'CREDIT_CARD_TRACK_NUMBER'],
  phi: ['US_HEALTHCARE_NPI', 'US_DEA_NUMBER', 'US_MEDICARE_BENEFICIARY_ID_NUMBER'],
};

/** The info types of some labels, each once, in label order. */
export function infoTypesFor(labels: readonly DataSensitivity[]): string[] {
  return [...new Set(labels.flatMap((l) => INFO_TYPES_BY_LABEL[l] ?? []))];
}

/** Info type names: upper-case letters, digits and '_' (DLP's own form). */
export const INFO_TYPE_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

/** A DLP resource id (template or trigger): letters, digits, '-' and '_', at most 100 characters. */
export const DLP_RESOURCE_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** A DLP resource id from free text: invalid characters become '-', cut to 100 characters. */
export function dlpResourceId(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 100);
}
