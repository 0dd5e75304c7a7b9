/**
 * Domain isolation of the decentralized company (stacks/decentralized.ts), proven on the real
 * broker. The platform's stack (SCRAM users, every ACL, central topics) is applied with the
 * harness's admin, each domain's stack with that domain's own deployer user, exactly as the
 * stacks are deployed; the Kafka provider blocks are pointed at the harness's broker and the
 * Google resources and connectors are left out. Then every Kafka principal of every domain tries,
 * with kafkajs, to read, write, create, delete, reconfigure and grant ACLs on the other domains'
 * topics: each attempt must be refused, while the same principal can use its own namespace and
 * the products it subscribes to. A check that a deployer holding `Alter` on the cluster (audit
 * #28's old model) is caught shows that the test can fail. Needs `npm run infra:up`.
 *
 * The company's topic and user names are fixed (`payments`, `fraud.scores`, …): the test removes
 * leftovers of an earlier run of its own first, and destroys everything at the end.
 */
import { App, TerraformStack, Testing } from 'cdktf';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ConfigResourceTypes, Kafka, ResourcePatternTypes } from 'kafkajs';
import { buildDecentralizedCompany, DECENTRALIZED_DOMAINS, DecentralizedCompany } from '../../stacks/decentralized';
import { useGoogleCloud } from '../../stacks/stack-config';
import { validateAll } from '../../stacks/reference-app';
import { requireInfra } from './infra';
import { TerraformWorkdir, withoutGoogle } from './terraform';
import { apply, kafkaAs } from './connect-harness';

jest.setTimeout(900_000);

const env = requireInfra(['KAFKA_BOOTSTRAP', 'KAFKA_ADMIN_USER', 'KAFKA_ADMIN_PASSWORD', 'KAFKA_VERSION', 'TF_CLI_CONFIG_FILE', 'TERRAFORM_BIN'] as const);
const run = `di${Date.now().toString(36).slice(-5)}`;

/** The stacks as `decentralizedStacks` builds them (platform + one per domain), and the company. */
function build(): { stacks: Record<string, TerraformStack>; company: DecentralizedCompany } {
  const app: App = Testing.app();
  const config = { project: 'acme-it', region: 'us-central1', statePrefix: 'it' };
  const platformStack = new TerraformStack(app, 'decentralized');
  useGoogleCloud(platformStack, config);
  const stacks: Record<string, TerraformStack> = { decentralized: platformStack };
  for (const name of DECENTRALIZED_DOMAINS) {
    stacks[`decentralized-${name}`] = new TerraformStack(app, `decentralized-${name}`);
    useGoogleCloud(stacks[`decentralized-${name}`], config);
  }
  const company = buildDecentralizedCompany({ platform: platformStack, domain: (name) => stacks[`decentralized-${name}`] }, config);
  const problems = validateAll(Object.values(stacks));
  if (problems.length) throw new Error(problems.join('\n'));
  return { stacks, company };
}

/** The Kafka part of a synthesized stack, its provider pointed at the harness's broker (one broker: replication factor 1). */
function kafkaOnly(stack: TerraformStack, adminStack: boolean): any {
  const { json } = withoutGoogle(JSON.parse(Testing.synth(stack)));
  delete json.resource?.['kafka-connect_connector'];
  delete json.provider?.['kafka-connect'];
  delete json.terraform?.required_providers?.['kafka-connect'];
  for (const type of Object.keys(json.resource ?? {})) if (Object.keys(json.resource[type]).length === 0) delete json.resource[type];
  // The harness has one broker.
  for (const t of Object.values<any>(json.resource?.kafka_topic ?? {})) {
    t.replication_factor = 1;
    if (t.config?.['min.insync.replicas']) t.config['min.insync.replicas'] = '1';
  }
  for (const p of json.provider.kafka) {
    p.bootstrap_servers = env.KAFKA_BOOTSTRAP.split(',');
    p.tls_enabled = false;
    p.kafka_version = env.KAFKA_VERSION;
    if (adminStack) p.sasl_username = env.KAFKA_ADMIN_USER;
  }
  return json;
}

/** Outcome of a Kafka call: 'ok', or the Kafka error code(s) it failed with. */
async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'ok';
  } catch (e) {
    const codes: string[] = [];
    const walk = (x: any, depth = 0) => {
      if (!x || depth > 6) return;
      if (typeof x.type === 'string') codes.push(x.type);
      for (const inner of [x.originalError, x.cause, ...(Array.isArray(x.errors) ? x.errors : [])]) walk(inner, depth + 1);
    };
    walk(e);
    return [...new Set(codes)].join(',') || String((e as Error).message ?? e);
  }
}

const DENIED = /AUTHORIZATION_FAILED/;

describe('domains of the decentralized company are isolated on the real broker', () => {
  const { stacks, company } = build();
  const platformJson = kafkaOnly(stacks.decentralized, true);
  const users = Object.values<any>(platformJson.resource.kafka_user_scram_credential).map((u) => ({
    username: u.username as string,
    variable: /^\$\{var\.([A-Za-z0-9_]+)\}$/.exec(u.password_wo ?? u.password)![1],
  }));
  const passwords: Record<string, string> = { kafka_admin_password: env.KAFKA_ADMIN_PASSWORD };
  for (const u of users) passwords[u.variable] = `${u.variable}-${run}`;
  // Variables only the left-out connectors use.
  for (const v of Object.keys(platformJson.variable ?? {})) passwords[v] ??= `unused-${v}`;
  const passwordOf = (username: string) => passwords[users.find((u) => u.username === username)!.variable];
  const platformTf = new TerraformWorkdir(platformJson, passwords);
  const domainTf: Record<string, TerraformWorkdir> = {};
  const domainTopics: string[] = [];
  for (const d of DECENTRALIZED_DOMAINS) {
    const json = kafkaOnly(stacks[`decentralized-${d}`], false);
    if (!json.resource?.kafka_topic) continue; // marketing declares no topic of its own
    const vars: Record<string, string> = Object.fromEntries(Object.keys(json.variable ?? {}).map((v) => [v, `unused-${v}`]));
    domainTf[d] = new TerraformWorkdir(json, { ...vars, kafka_deployer_password: passwordOf(`${d}-deployer`) });
    domainTopics.push(...Object.values<any>(json.resource.kafka_topic).map((t) => t.name as string));
  }
  const domains = company.domains;
  /** Which domain a user belongs to: `<domain>` or `<domain>-<role>`. */
  const domainOf = (username: string) => DECENTRALIZED_DOMAINS.find((d) => username === d || username.startsWith(`${d}-`))!;
  /** The domain (or 'central') that owns a topic, by the domains' namespaces. */
  const ownerOf = (topic: string) => DECENTRALIZED_DOMAINS.find((d) => domains[d].namespaces.some((ns) => topic.startsWith(ns))) ?? 'central';
  const allTopics = [...Object.values<any>(platformJson.resource.kafka_topic).map((t) => t.name as string), ...domainTopics];
  const admin = () => kafkaAs(env.KAFKA_BOOTSTRAP, env.KAFKA_ADMIN_USER, env.KAFKA_ADMIN_PASSWORD, `cdp-${run}`);
  const as = (username: string): Kafka => kafkaAs(env.KAFKA_BOOTSTRAP, username, passwordOf(username), `cdp-${run}`);
  const principals = users.map((u) => u.username);

  /** A product topic `subscriber` may read: resolved subscriptions of its domain. */
  const subscribed = (subscriber: string, topic: string) => company.platform.subscriptions.some((s) => s.subscriber === subscriber && s.topics.includes(topic));

  async function produce(username: string, topic: string): Promise<string> {
    const producer = as(username).producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    try {
      await producer.connect();
      return await outcome(() => producer.send({ topic, acks: -1, messages: [{ key: 'k', value: `from ${username}` }] }));
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }

  /**
   * A consumer group the stack lets `username` use (from its Group ACLs), so that a read is
   * refused for the topic, not for the group.
   */
  function groupFor(username: string): string {
    const acl = Object.values<any>(platformJson.resource.kafka_acl).find((a) => a.acl_principal === `User:${username}` && a.resource_type === 'Group');
    if (!acl) return `${domainOf(username)}.isolation-${run}`;
    return acl.resource_pattern_type_filter === 'Prefixed' ? `${acl.resource_name}isolation-${run}-${username}` : acl.resource_name;
  }

  /** Reads one record of `topic`, with a group the reader may use unless one is given. */
  async function consume(username: string, topic: string, group = groupFor(username)): Promise<string> {
    const consumer = as(username).consumer({ groupId: group, retry: { retries: 0 }, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    try {
      let settle!: (v: string) => void;
      const result = new Promise<string>((r) => (settle = r));
      consumer.on(consumer.events.CRASH, (e: any) => settle(`crash:${e.payload?.error?.type ?? e.payload?.error?.message}`));
      const timer = setTimeout(() => settle('timeout: no record within 20 s'), 20_000);
      const subscribed = await outcome(async () => {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({ eachMessage: async () => settle('ok') });
      });
      if (subscribed !== 'ok') settle(subscribed);
      const r = await result;
      clearTimeout(timer);
      return r;
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  }

  async function adminCall(username: string, call: (a: ReturnType<Kafka['admin']>) => Promise<unknown>): Promise<string> {
    const a = as(username).admin({ retry: { retries: 0 } });
    try {
      await a.connect();
      return await outcome(() => call(a));
    } finally {
      await a.disconnect().catch(() => undefined);
    }
  }

  /** Every ACL-granting attempt a principal can make: on another domain's topic, for itself. */
  const grantAcl = (username: string, topic: string) =>
    adminCall(username, (a) =>
      a.createAcls({
        acl: [
          {
            resourceType: AclResourceTypes.TOPIC,
            resourceName: topic,
            resourcePatternType: ResourcePatternTypes.LITERAL,
            principal: `User:${username}`,
            host: '*',
            operation: AclOperationTypes.ALL,
            permissionType: AclPermissionTypes.ALLOW,
          },
        ],
      }),
    );

  /** Leftovers of an earlier run of this test (the names are fixed): topics and the company's ACLs. */
  async function removeLeftovers(): Promise<void> {
    const a = admin().admin();
    await a.connect();
    try {
      const existing = new Set(await a.listTopics());
      const left = allTopics.filter((t) => existing.has(t));
      if (left.length) await a.deleteTopics({ topics: left });
      await a.deleteAcls({
        filters: principals.map((p) => ({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          principal: `User:${p}`,
          host: '*',
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        })),
      });
    } finally {
      await a.disconnect();
    }
  }

  beforeAll(async () => {
    await removeLeftovers();
    platformTf.must(['init', '-input=false', '-no-color']);
    apply(platformTf);
    for (const [d, tf] of Object.entries(domainTf)) {
      tf.must(['init', '-input=false', '-no-color']);
      try {
        apply(tf);
      } catch (e) {
        throw new Error(`the ${d} domain's deployer could not apply its own stack: ${(e as Error).message}`);
      }
    }
    // One record in every topic, so that a permitted read has something to read.
    const producer = admin().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    for (const topic of allTopics) await producer.send({ topic, messages: [{ key: 'seed', value: 'seed' }] });
    await producer.disconnect();
  });

  afterAll(async () => {
    for (const tf of Object.values(domainTf)) tf.run(['destroy', '-auto-approve', '-input=false', '-no-color']);
    platformTf.run(['destroy', '-auto-approve', '-input=false', '-no-color']);
  });

  test('each domain deployer applied its own stack (its topics) with no cluster permission', () => {
    expect(Object.keys(domainTf).sort()).toEqual(['fraud', 'payments']);
    const deployerAcls = Object.values<any>(platformJson.resource.kafka_acl).filter((a) => /-deployer$/.test(a.acl_principal));
    expect(deployerAcls.length).toBeGreaterThan(0);
    expect(deployerAcls.filter((a) => a.resource_type === 'Cluster')).toEqual([]);
  });

  test('every principal uses its own namespace', async () => {
    for (const d of DECENTRALIZED_DOMAINS) {
      const own = allTopics.find((t) => t.startsWith(domains[d].namespace));
      if (!own) continue; // marketing has no topic
      expect({ d, produce: await produce(d, own), consume: await consume(d, own) }).toEqual({ d, produce: 'ok', consume: 'ok' });
      expect({
        d,
        create: await adminCall(`${d}-deployer`, (a) => a.createTopics({ topics: [{ topic: `${domains[d].namespace}isolation-${run}`, numPartitions: 1 }] })),
      }).toEqual({ d, create: 'ok' });
      expect({ d, del: await adminCall(`${d}-deployer`, (a) => a.deleteTopics({ topics: [`${domains[d].namespace}isolation-${run}`] })) }).toEqual({
        d,
        del: 'ok',
      });
    }
    // The access model's principal and the products subscribed to.
    expect(await produce('fraud-model', 'fraud.scores')).toBe('ok');
    expect(await consume('fraud-model', 'payments.ledger.public.settlements', 'fraud.model')).toBe('ok');
    expect(await consume('fraud', 'payments.ledger.public.settlements')).toBe('ok');
    expect(await consume('marketing', 'monolith.wepay.merchants')).toBe('ok');
  });

  test("no principal of a domain can write, create, delete, reconfigure or grant ACLs on another domain's topics, nor read them unless subscribed", async () => {
    const violations: string[] = [];
    const checks: Promise<void>[] = [];
    let attempts = 0;
    for (const username of principals) {
      const mine = domainOf(username);
      const foreign = allTopics.filter((t) => ownerOf(t) !== mine);
      checks.push(
        (async () => {
          for (const topic of foreign) {
            const results: Record<string, string> = {
              write: await produce(username, topic),
              grant: await grantAcl(username, topic),
              alterConfigs: await adminCall(username, (a) =>
                a.alterConfigs({
                  validateOnly: true,
                  resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '1000' }] }],
                }),
              ),
              delete: await adminCall(username, (a) => a.deleteTopics({ topics: [topic], timeout: 5000 })),
            };
            if (!subscribed(mine, topic)) results.read = await consume(username, topic);
            for (const [op, r] of Object.entries(results)) {
              attempts++;
              if (!DENIED.test(r)) violations.push(`${username} ${op} ${topic}: ${r}`);
            }
          }
          const other = DECENTRALIZED_DOMAINS.find((d) => d !== mine)!;
          const create = await adminCall(username, (a) =>
            a.createTopics({ topics: [{ topic: `${domains[other].namespace}intruder-${run}`, numPartitions: 1 }] }),
          );
          if (!DENIED.test(create)) violations.push(`${username} create ${domains[other].namespace}intruder-${run}: ${create}`);
        })(),
      );
    }
    await Promise.all(checks);
    expect(violations).toEqual([]);
    // 8 principals × the other domains' and central topics × 4–5 operations.
    expect(principals).toHaveLength(8);
    expect(attempts).toBeGreaterThan(300);
  });

  test('a subscriber reads a product but cannot write it; a non-subscriber cannot read it', async () => {
    expect(await produce('fraud', 'payments.ledger.public.settlements')).toMatch(DENIED);
    expect(await consume('marketing', 'payments.ledger.public.settlements')).toMatch(DENIED);
    expect(await consume('fraud', 'payments.ledger.public.payments')).toMatch(DENIED);
    // Not with a group of another domain's namespace either. kafkajs reports the broker's
    // GROUP_AUTHORIZATION_FAILED to FindCoordinator as "Failed to find group coordinator"; on this
    // one-broker cluster the coordinator exists (the same read with fraud's own group works above).
    expect(await consume('fraud', 'payments.ledger.public.settlements', `payments.isolation-${run}`)).toMatch(
      /GROUP_AUTHORIZATION_FAILED|Failed to find group coordinator/,
    );
  });

  test("the check catches a deployer that can grant ACLs (audit #28's Alter on the cluster)", async () => {
    const a = admin().admin();
    await a.connect();
    const alter = {
      resourceType: AclResourceTypes.CLUSTER,
      resourceName: 'kafka-cluster',
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:payments-deployer',
      host: '*',
      operation: AclOperationTypes.ALTER,
      permissionType: AclPermissionTypes.ALLOW,
    };
    try {
      expect(await grantAcl('payments-deployer', 'fraud.scores')).toMatch(DENIED);
      await a.createAcls({ acl: [alter] });
      // With Alter on the cluster the deployer grants itself access to fraud's topic, and reads it.
      const granted = await grantAcl('payments-deployer', 'fraud.scores');
      expect(granted).toBe('ok');
      expect(await consume('payments-deployer', 'fraud.scores')).toBe('ok');
    } finally {
      await a.deleteAcls({
        filters: [
          alter,
          {
            resourceType: AclResourceTypes.TOPIC,
            resourceName: 'fraud.scores',
            resourcePatternType: ResourcePatternTypes.LITERAL,
            principal: 'User:payments-deployer',
            host: '*',
            operation: AclOperationTypes.ALL,
            permissionType: AclPermissionTypes.ALLOW,
          },
        ],
      });
      await a.disconnect();
    }
    expect(await consume('payments-deployer', 'fraud.scores')).toMatch(DENIED);
  });
});
