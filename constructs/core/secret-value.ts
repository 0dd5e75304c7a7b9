import { Construct } from 'constructs';
import { TerraformStack, TerraformVariable } from 'cdktf';
import { DataGoogleSecretManagerSecretVersion } from '@cdktf/provider-google/lib/data-google-secret-manager-secret-version';

/**
 * A sensitive value (password, key) that never appears in synthesized JSON.
 *
 * It is either a sensitive Terraform variable (given at plan time, e.g. `TF_VAR_kafka_password`)
 * or a Secret Manager secret version read at plan time. Constructs take a `SecretValue`
 * wherever a secret is needed; there is deliberately no way to pass a plain string.
 */
export abstract class SecretValue {
  /**
   * A sensitive Terraform variable. The variable is created once per stack and name
   * and reused if several constructs refer to it.
   * @param variableName Terraform variable name: letters, digits, '_' and '-'.
   */
  public static fromVariable(variableName: string, description?: string): SecretValue {
    return new VariableSecret(variableName, description);
  }

  /**
   * The payload of a Secret Manager secret version.
   * @param secret secret id or full name (`projects/p/secrets/s`)
   * @param version version number or `latest`. @default 'latest'
   */
  public static fromSecretManager(secret: string, version = 'latest', project?: string): SecretValue {
    return new SecretManagerSecret(secret, version, project);
  }

  /** Where the secret comes from, for docs and reports. Never the value. */
  public abstract readonly description: string;

  /**
   * The value as a Terraform expression (a token) in `scope`'s stack.
   * Calling it several times in one stack reuses one variable or data source.
   */
  public abstract resolve(scope: Construct): string;

  /** The Secret Manager reference, when the secret lives there (for runtimes that read it themselves). */
  public get secretManagerRef(): { secret: string; version: string; project?: string } | undefined {
    return undefined;
  }
}

function stackScope(scope: Construct): Construct {
  // Secrets are stack-wide: one variable or data source per stack, whoever asks first.
  return TerraformStack.of(scope);
}

class VariableSecret extends SecretValue {
  public readonly description: string;
  constructor(
    private readonly variableName: string,
    private readonly doc?: string,
  ) {
    super();
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(variableName)) {
      throw new Error(
        `SecretValue.fromVariable: variable name ${JSON.stringify(variableName)} is not valid; allowed: a letter or '_' then letters, digits, '_' or '-'`,
      );
    }
    this.description = `sensitive variable var.${variableName}`;
  }

  public resolve(scope: Construct): string {
    const stack = stackScope(scope);
    const id = `secret-var-${this.variableName}`;
    const existing = stack.node.tryFindChild(id) as TerraformVariable | undefined;
    const variable =
      existing ??
      new TerraformVariable(stack, id, {
        type: 'string',
        sensitive: true,
        nullable: false,
        description: this.doc ?? 'Secret given at plan time; never stored in the synthesized configuration.',
      });
    variable.overrideLogicalId(this.variableName);
    return variable.stringValue;
  }
}

class SecretManagerSecret extends SecretValue {
  public readonly description: string;
  constructor(
    private readonly secret: string,
    private readonly version: string,
    private readonly project?: string,
  ) {
    super();
    this.description = `Secret Manager ${secret} version ${version}`;
  }

  public get secretManagerRef() {
    return { secret: this.secret, version: this.version, project: this.project };
  }

  public resolve(scope: Construct): string {
    const stack = stackScope(scope);
    const id = `secret-sm-${this.secret.replace(/[^A-Za-z0-9_-]/g, '_')}-${this.version}`;
    const existing = stack.node.tryFindChild(id) as DataGoogleSecretManagerSecretVersion | undefined;
    const data =
      existing ??
      new DataGoogleSecretManagerSecretVersion(stack, id, {
        secret: this.secret,
        version: this.version,
        project: this.project,
      });
    return data.secretData;
  }
}
