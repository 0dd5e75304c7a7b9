/** Something that acts on Kafka under a principal name, e.g. a SCRAM user or a service account. */
export interface IKafkaPrincipal {
  /** Principal as Kafka's authorizer sees it, e.g. `User:orders-writer`. */
  readonly principal: string;
}

/** A principal given by name or by object. */
export type KafkaPrincipalLike = string | IKafkaPrincipal;

/** The principal string of a {@link KafkaPrincipalLike}. */
export function principalOf(p: KafkaPrincipalLike): string {
  return typeof p === 'string' ? p : p.principal;
}

/** Kafka principals are `Type:name`; `User:*` is the wildcard. */
export const PRINCIPAL_PATTERN = /^[A-Za-z]+:.+$/;

/** Construct-id-safe form of a name. */
export function idSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '_');
}
