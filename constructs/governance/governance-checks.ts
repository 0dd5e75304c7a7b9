import * as fs from 'fs';
import * as path from 'path';
import { Annotations, Aspects, IAspect, ISynthesisSession, TerraformStack } from 'cdktf';
import { addCustomSynthesis } from 'cdktf/lib/synthesize/synthesizer';
import { Construct, IConstruct } from 'constructs';
import { DataInventory } from '../catalog/data-inventory';
import { requireProps } from '../core/validation';
import { GovernanceRule, RuleContext, RuleLevel } from './governance-rule';
import { RulePack } from './rule-packs';

/** One finding: a rule a construct does not comply with. */
export interface GovernanceFinding {
  /** `Pack.RuleId`, e.g. `GDPR.PiiRetention`. */
  readonly rule: string;
  /** Error or warning. */
  readonly level: RuleLevel;
  /** Construct path. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
}

/** A finding someone accepted, with why. */
export interface SuppressedFinding extends GovernanceFinding {
  /** Why the rule does not apply here. */
  readonly reason: string;
  /** Path of the construct the suppression was put on. */
  readonly suppressedAt: string;
}

/** A suppression: a rule (or `Pack.Rule`) that does not apply to a construct and its children, and why. */
export interface GovernanceSuppression {
  /** Rule id (`PiiRetention`, every pack) or pack-qualified id (`GDPR.PiiRetention`). */
  readonly rule: string;
  /** Why the rule does not apply here: at least ten characters a reviewer can check. */
  readonly reason: string;
}

/** Props of {@link GovernanceChecks}. */
export interface GovernanceChecksProps {
  /** Packs to apply. */
  readonly packs: RulePack[];
  /** File name of the report written into the stack's output folder at synth. @default 'governance-report.json' */
  readonly reportFile?: string;
}

const suppressions = new WeakMap<IConstruct, GovernanceSuppression[]>();

/**
 * Governance rule packs applied to a stack as a cdktf Aspect, in the manner of cdk-nag: every
 * construct is checked by every rule of every pack; a non-compliance becomes an error or a
 * warning annotation on that construct's path, unless suppressed with a reason. Errors are also
 * reported by this construct's validation, so synth stops before anything is written, together
 * with every other problem of the app. A JSON report (findings, suppressions and their reasons,
 * the rules checked) is written beside the stack's Terraform at synth.
 *
 * ```ts
 * new GovernanceChecks(stack, 'governance', { packs: [gdprPack(), pciDssPack(), dataEngineeringPack()] });
 * GovernanceChecks.suppress(legacyDataset, 'DatasetDeletionProtection', 'scratch dataset, rebuilt nightly from the lake');
 * ```
 */
export class GovernanceChecks extends Construct implements IAspect {
  /**
   * Declares that `rule` does not apply to `scope` and everything under it, and why. The
   * suppression is listed in the report; one that suppresses nothing is reported as unused.
   */
  public static suppress(scope: IConstruct, rule: string, reason: string): void {
    const list = suppressions.get(scope) ?? [];
    list.push({ rule, reason });
    suppressions.set(scope, list);
    if (reason.trim().length < 10) {
      scope.node.addValidation({
        validate: () => [`suppress ${rule} reason: ${JSON.stringify(reason)} is not valid; allowed: why the rule does not apply here, at least 10 characters`],
      });
    }
  }

  /** Findings not suppressed, in the order found. */
  public readonly findings: GovernanceFinding[] = [];
  /** Findings suppressed, with their reasons. */
  public readonly suppressed: SuppressedFinding[] = [];
  /** The packs applied. */
  public readonly packs: readonly RulePack[];
  /** File name of the report. */
  public readonly reportFile: string;

  private readonly visited = new WeakSet<IConstruct>();
  private readonly usedSuppressions = new Set<GovernanceSuppression>();
  private context?: RuleContext;
  private checkedAll = false;

  constructor(scope: Construct, id: string, props: GovernanceChecksProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    requireProps(this, props, { packs: 'RulePack[]' });
    this.packs = props.packs;
    this.reportFile = props.reportFile ?? 'governance-report.json';
    const stack = TerraformStack.of(this);
    const names = props.packs.map((p) => p.name);
    this.node.addValidation({
      validate: () => {
        const problems: string[] = [];
        names.forEach((n, i) => {
          if (names.indexOf(n) !== i) problems.push(`packs[${i}]: ${JSON.stringify(n)} is not valid; allowed: each pack once`);
        });
        if (props.packs.length === 0) problems.push('packs: [] is not valid; allowed: at least one rule pack');
        // Run the rules now, so errors stop synth with every other problem, before anything is written.
        this.run();
        return [...problems, ...this.findings.filter((f) => f.level === 'error').map((f) => `${f.rule} at ${f.path}: ${f.message}`)];
      },
    });
    Aspects.of(stack).add(this);
    addCustomSynthesis(this, { onSynthesize: (session) => this.writeReport(session, stack) });
  }

  /** Checks one construct with every rule (the Aspect entry point; each construct is checked once). */
  public visit(node: IConstruct): void {
    if (this.visited.has(node) || node === this) return;
    this.visited.add(node);
    const context = this.contextOf(node);
    for (const pack of this.packs) {
      for (const rule of pack.rules) this.apply(pack, rule, node, context);
    }
  }

  /** The report written at synth. */
  public report(): Record<string, unknown> {
    const stack = TerraformStack.of(this);
    const unused: { path: string; rule: string; reason: string }[] = [];
    for (const c of stack.node.findAll()) {
      for (const s of suppressions.get(c) ?? []) if (!this.usedSuppressions.has(s)) unused.push({ path: c.node.path, rule: s.rule, reason: s.reason });
    }
    return {
      stack: stack.node.id,
      packs: this.packs.map((p) => ({
        name: p.name,
        description: p.description,
        rules: p.rules.map((r) => ({ id: `${p.name}.${r.id}`, level: r.level, description: r.description, reason: r.reason })),
      })),
      summary: {
        errors: this.findings.filter((f) => f.level === 'error').length,
        warnings: this.findings.filter((f) => f.level === 'warning').length,
        suppressed: this.suppressed.length,
        unusedSuppressions: unused.length,
      },
      findings: this.findings,
      suppressed: this.suppressed,
      unusedSuppressions: unused,
    };
  }

  /** Checks the whole stack now (once) and returns the findings that are not suppressed. */
  public run(): GovernanceFinding[] {
    if (!this.checkedAll) {
      this.checkedAll = true;
      for (const node of TerraformStack.of(this).node.findAll()) this.visit(node);
    }
    return this.findings;
  }

  private contextOf(node: IConstruct): RuleContext {
    if (!this.context) {
      const stack = TerraformStack.of(node);
      this.context = { constructs: stack.node.findAll(), inventory: DataInventory.of(stack) };
    }
    return this.context;
  }

  private apply(pack: RulePack, rule: GovernanceRule, node: IConstruct, context: RuleContext): void {
    const result = rule.check(node, context);
    if (result.status !== 'non-compliant') return;
    const finding: GovernanceFinding = { rule: `${pack.name}.${rule.id}`, level: rule.level, path: node.node.path, message: result.message };
    const suppression = this.suppressionFor(node, pack.name, rule.id);
    if (suppression) {
      this.usedSuppressions.add(suppression.suppression);
      this.suppressed.push({ ...finding, reason: suppression.suppression.reason, suppressedAt: suppression.at });
      return;
    }
    this.findings.push(finding);
    const text = `${finding.rule}: ${result.message}. ${rule.description} Why: ${rule.reason}`;
    if (rule.level === 'error') Annotations.of(node).addError(text);
    else Annotations.of(node).addWarning(text);
  }

  private suppressionFor(node: IConstruct, pack: string, rule: string): { suppression: GovernanceSuppression; at: string } | undefined {
    for (const scope of [...node.node.scopes].reverse()) {
      const found = (suppressions.get(scope) ?? []).find((s) => s.rule === rule || s.rule === `${pack}.${rule}`);
      if (found) return { suppression: found, at: scope.node.path };
    }
    return undefined;
  }

  private writeReport(session: ISynthesisSession, stack: TerraformStack): void {
    this.run();
    const dir = path.join(session.outdir, session.manifest.forStack(stack).workingDirectory);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, this.reportFile), JSON.stringify(this.report(), null, 2) + '\n');
  }
}
