import { ModelBuilder } from './builder';
import { PipelineEdge, PipelineGroup } from './types';

function majority(xs: string[]): string {
  const c = new Map<string, number>();
  for (const x of xs) c.set(x, (c.get(x) ?? 0) + 1);
  return [...c.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
}

/**
 * Groups: the top-level constructs that hold at least two nodes, when there are at least two of
 * them. A capture sits with the topics it produces; a node only referenced sits with what refers to it.
 * Sets `group` on the nodes and returns the groups.
 */
export function assignGroups(b: ModelBuilder, edgeList: PipelineEdge[]): PipelineGroup[] {
  const groupOf = new Map<string, string>();
  for (const n of b.nodes.values()) {
    if (n.kind === 'source') continue; // sources are shared by every stage
    const hint = b.groupHint.get(n.id);
    if (hint) groupOf.set(n.id, hint);
  }
  for (const n of b.nodes.values()) {
    if (n.kind === 'capture' || n.kind === 'dlp') {
      const outs = edgeList
        .filter((e) => e.from === n.id)
        .map((e) => groupOf.get(e.to))
        .filter(Boolean) as string[];
      if (outs.length) groupOf.set(n.id, majority(outs));
    }
  }
  for (const n of b.nodes.values()) {
    if (n.kind === 'topic' && n.internal) {
      const by = edgeList.find((e) => e.to === n.id && e.kind === 'produces');
      if (by && groupOf.get(by.from)) groupOf.set(n.id, groupOf.get(by.from)!);
    }
    if (n.kind === 'consumer' || n.kind === 'store' || (!n.declared && n.kind !== 'source')) {
      const ins = edgeList
        .filter((e) => e.to === n.id)
        .map((e) => groupOf.get(e.from))
        .filter(Boolean) as string[];
      if (ins.length) groupOf.set(n.id, majority(ins));
      if (n.kind === 'consumer') groupOf.delete(n.id);
    }
  }
  const sizes = new Map<string, number>();
  for (const g of groupOf.values()) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  const kept = [...sizes.entries()].filter(([, s]) => s >= 2).map(([g]) => g);
  const groups: PipelineGroup[] = kept.length >= 2 ? kept.sort().map((g) => ({ id: `group:${g}`, label: g })) : [];
  if (groups.length) {
    for (const n of b.nodes.values()) {
      const g = groupOf.get(n.id);
      if (g && kept.includes(g)) n.group = `group:${g}`;
    }
  }
  return groups;
}
