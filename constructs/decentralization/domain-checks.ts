import { PropProblem, Problems } from '../core/validation';
import { DataProductSpec, DataSubscriptionSpec, DecentralizationMode } from './data-product';
import { DomainAccessSpec, DomainConnectOptions, DomainTopicSpec } from './domain-specs';
import { checkProducts } from './product-checks';

const DOMAIN_NAME = /^[a-z][a-z0-9-]{1,19}$/;

/** The props of a {@link DataDomain} its checks read. */
interface CheckedDomainProps {
  readonly name: string;
  readonly mode: DecentralizationMode;
  readonly connect?: DomainConnectOptions;
  readonly sources?: { readonly logicalName: string }[];
  readonly topics?: DomainTopicSpec[];
  readonly readers?: string[];
  readonly products?: DataProductSpec[];
  readonly access?: DomainAccessSpec;
  readonly subscriptions?: DataSubscriptionSpec[];
}

/** What a domain knows once built, for checking its props against it. */
interface DomainFacts {
  /** The domain's application namespace, `<name>.`. */
  readonly namespace: string;
  /** Every topic namespace the domain owns (its Connect workers' and Debezium's too, when full). */
  readonly namespaces: string[];
  /** Names of the topics the domain created. */
  readonly ownTopics: string[];
  /** Whether the dataset is the domain's. */
  datasetExists(datasetId: string): boolean;
  /** Topics and prefixes the domain may read: its namespaces and its subscriptions. */
  readable(): { names: string[]; prefixes: string[] };
  /** The other publishers of the platform (`central` and the other domains). */
  readonly publishers: string[];
  /** The domain's subscriptions whose publisher the platform does not know. */
  readonly unresolved: DataSubscriptionSpec[];
  /** Problems found while building (duplicate name, missing products, platform kind). */
  readonly problems: PropProblem[];
}

/**
 * Checks a domain's props: its name and mode, what each mode needs and refuses, its topics under
 * its namespace, its readers, its products, the grants of its access model (only what it owns or
 * subscribes to), and its subscriptions' publishers.
 */
export function checkDomain(p: Problems, props: CheckedDomainProps, domain: DomainFacts): void {
  const { namespace, namespaces } = domain;
  p.check(DOMAIN_NAME.test(props.name), 'name', props.name, "2-20 lowercase letters, digits or '-', starting with a letter");
  p.check(['full', 'partial'].includes(props.mode), 'mode', props.mode, 'full or partial');
  if (props.mode === 'full') {
    p.check(props.connect !== undefined, 'connect', undefined, "the domain's own Connect cluster when mode is full (a full domain runs its own connectors)");
  } else {
    p.check(
      (props.sources ?? []).length === 0,
      'sources',
      (props.sources ?? []).map((s) => s.logicalName),
      "none when mode is partial (its data comes from subscriptions; use mode 'full' to run its own captures)",
    );
    p.check(
      props.connect === undefined,
      'connect',
      props.connect?.url,
      "none when mode is partial (landing sinks run on the platform's shared Connect cluster)",
    );
  }
  (props.topics ?? []).forEach((t, i) =>
    p.check(t.name.startsWith(namespace), `topics[${i}].name`, t.name, `a topic under the domain's namespace "${namespace}"`),
  );
  (props.readers ?? []).forEach((r, i) =>
    p.check(/^(user|group|serviceAccount|domain):.+$/.test(r), `readers[${i}]`, r, "an IAM member 'user:…', 'group:…', 'serviceAccount:…' or 'domain:…'"),
  );
  const own = new Set(domain.ownTopics);
  checkProducts(p, props.products ?? [], {
    topicAllowed: (t) => namespaces.some((n) => t.startsWith(n)),
    topicExists: (t) => own.has(t),
    prefixExists: (x) => [...own].some((t) => t.startsWith(x)),
    datasetExists: (d) => domain.datasetExists(d),
    where: `domain "${props.name}"`,
  });
  checkAccessGrants(p, props.access, namespaces, namespace, domain.readable());
  // Subscriptions whose publisher never joined the platform (or that name the domain itself).
  for (const spec of domain.unresolved) {
    const i = (props.subscriptions ?? []).indexOf(spec);
    p.add(
      `subscriptions[${i}].domain`,
      spec.domain,
      spec.domain === props.name
        ? 'another domain (a domain reads its own data without subscribing)'
        : `a domain of the platform: ${domain.publishers.join(', ')}`,
    );
  }
  for (const x of domain.problems) p.add(x.property, x.value, x.allowed);
}

/** The access model may grant only what the domain owns, or read what it subscribes to. */
function checkAccessGrants(
  p: Problems,
  access: DomainAccessSpec | undefined,
  namespaces: string[],
  namespace: string,
  readable: { names: string[]; prefixes: string[] },
): void {
  (access?.roles ?? []).forEach((role, i) =>
    role.grants.forEach((g, j) => {
      const at = `access.roles[${i}].grants[${j}]`;
      const underOwn = (x: string) => namespaces.some((n) => x.startsWith(n));
      if (g.topic !== undefined) {
        const ok =
          underOwn(g.topic) || ((g.access ?? 'read') === 'read' && (readable.names.includes(g.topic) || readable.prefixes.some((x) => g.topic!.startsWith(x))));
        p.check(ok, `${at}.topic`, g.topic, `a topic under "${namespace}", or (read only) a topic of a product the domain subscribes to`);
      }
      if (g.topicPrefix !== undefined) {
        const ok = underOwn(g.topicPrefix) || ((g.access ?? 'read') === 'read' && readable.prefixes.some((x) => g.topicPrefix!.startsWith(x)));
        p.check(ok, `${at}.topicPrefix`, g.topicPrefix, `a prefix under "${namespace}", or (read only) under a prefix of a product the domain subscribes to`);
      }
    }),
  );
}
