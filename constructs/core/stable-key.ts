import { IConstruct } from 'constructs';
import { DefaultTokenResolver, StringConcat, Token, Tokenization } from 'cdktf';

/**
 * A construct-id-safe key for a value that may hold tokens (e.g. an IAM member built from a
 * service account's email). A token's text (`${TfToken[TOKEN.n]}`) depends on how many tokens
 * the process made before it, so an id built from it would change when other stacks or stages
 * are added; the Terraform expression the token resolves to does not.
 */
export function stableKey(scope: IConstruct, value: string): string {
  const text = Token.isUnresolved(value)
    ? String(Tokenization.resolve(value, { scope, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) }))
    : value;
  return text.replace(/[^A-Za-z0-9_-]+/g, '_');
}
