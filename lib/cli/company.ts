/**
 * Stacks deployed together as one company: a team's domain stack references its platform's stack
 * (a cdktf cross-stack dependency) or deploys to Kafka as a user the platform stack creates.
 * Stage 5 is a property of such a company, not of one of its stacks.
 */
import { PipelineModel } from './model';

/** One stack of an app, with the stacks it depends on (manifest.json `dependencies`). */
export interface AppStack {
  readonly model: PipelineModel;
  readonly dependencies: string[];
}

/** For each stack, the other stacks of its company (connected by dependencies or deployer users), sorted. */
export function companies(stacks: AppStack[]): Map<string, string[]> {
  const names = stacks.map((s) => s.model.stack);
  const links = new Map<string, Set<string>>(names.map((n) => [n, new Set<string>()]));
  const link = (a: string, b: string) => {
    if (a === b || !links.has(a) || !links.has(b)) return;
    links.get(a)!.add(b);
    links.get(b)!.add(a);
  };
  for (const s of stacks) {
    for (const d of s.dependencies) link(s.model.stack, d);
    const deployer = s.model.facts.kafkaDeployer;
    if (deployer) for (const o of stacks) if (o !== s && o.model.facts.scramUsers.includes(deployer)) link(s.model.stack, o.model.stack);
  }
  const out = new Map<string, string[]>();
  for (const n of names) {
    const seen = new Set([n]);
    const todo = [n];
    while (todo.length)
      for (const m of links.get(todo.pop()!)!)
        if (!seen.has(m)) {
          seen.add(m);
          todo.push(m);
        }
    seen.delete(n);
    out.set(n, [...seen].sort());
  }
  return out;
}
