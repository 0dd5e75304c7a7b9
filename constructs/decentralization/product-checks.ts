import { Problems } from '../core/validation';
import { DataProductSpec, PRODUCT_NAME } from './data-product';

/** What a publisher knows about its own topics and datasets, for checking its products. */
export interface ProductContext {
  /** Whether the publisher may publish this topic or prefix (domains: only under their namespace). */
  topicAllowed(topicOrPrefix: string): boolean;
  /** Whether the topic is defined by the publisher. */
  topicExists(topic: string): boolean;
  /** Whether any topic of the publisher starts with the prefix. */
  prefixExists(prefix: string): boolean;
  /** Whether the dataset is the publisher's. */
  datasetExists(datasetId: string): boolean;
  /** Where the publisher is, for messages, e.g. `domain "payments"`. */
  readonly where: string;
}

/** Checks a publisher's products: names, topics and datasets each its own. */
export function checkProducts(p: Problems, products: DataProductSpec[], ctx: ProductContext): void {
  const names = products.map((x) => x.name);
  products.forEach((product, i) => {
    const at = `products[${i}]`;
    p.check(PRODUCT_NAME.test(product.name), `${at}.name`, product.name, "a lowercase letter, then lowercase letters, digits, '-' or '_'");
    p.check(names.indexOf(product.name) === i, `${at}.name`, product.name, 'a name no other product of the publisher uses');
    const targets =
      (product.topics ?? []).length + (product.topicPrefix !== undefined ? 1 : 0) + (product.datasets ?? []).length + (product.views ?? []).length;
    p.check(targets > 0, at, product.name, 'a product with at least one of topics, topicPrefix, datasets and views');
    const viewNames = (product.views ?? []).map((v) => v.name);
    (product.views ?? []).forEach((v, j) => {
      p.check(/^[A-Za-z0-9_]{1,1024}$/.test(v.name), `${at}.views[${j}].name`, v.name, "letters, digits and '_' (a BigQuery table id)");
      p.check(viewNames.indexOf(v.name) === j, `${at}.views[${j}].name`, v.name, 'a name no other view of the product uses');
      p.check(v.query.trim().length > 0, `${at}.views[${j}].query`, v.query, 'a standard SQL query');
      p.check(v.sources.length > 0, `${at}.views[${j}].sources`, v.sources, 'the dataset ids the query reads (the view is authorized on them)');
      v.sources.forEach((d, k) => p.check(ctx.datasetExists(d), `${at}.views[${j}].sources[${k}]`, d, `a dataset id of ${ctx.where}`));
    });
    (product.topics ?? []).forEach((t, j) => {
      if (!p.check(ctx.topicAllowed(t), `${at}.topics[${j}]`, t, `a topic of ${ctx.where} (under its namespace)`)) return;
      p.check(ctx.topicExists(t), `${at}.topics[${j}]`, t, `a topic defined by ${ctx.where}`);
    });
    if (product.topicPrefix !== undefined) {
      const x = product.topicPrefix;
      if (p.check(x.length > 0 && ctx.topicAllowed(x), `${at}.topicPrefix`, x, `a prefix under the namespace of ${ctx.where}`)) {
        p.check(ctx.prefixExists(x), `${at}.topicPrefix`, x, `a prefix of at least one topic defined by ${ctx.where}`);
      }
    }
    (product.datasets ?? []).forEach((d, j) => p.check(ctx.datasetExists(d), `${at}.datasets[${j}]`, d, `a dataset id of ${ctx.where}`));
  });
}
