import { problems, resources, synth } from '../helpers';
import { build, COLUMNS, EXPECTED, outcome, ROWS } from './source-sink-matrix';

describe('source kind × sink: each pair works with the chain its events need, or is refused at synth', () => {
  for (const row of ROWS) {
    for (const sink of COLUMNS) {
      test(`${row} → ${sink}: ${EXPECTED[row][sink]}`, () => {
        if (EXPECTED[row][sink] === 'refused') {
          const found = problems(build(row, sink));
          expect(found).toEqual([
            expect.stringMatching(
              /"cassandra: app\.app\.users" is not valid; allowed: change events .* can write: postgres, mysql, mariadb, mongodb, spanner \(Debezium's Cassandra agent writes each column as a cell struct/,
            ),
          ]);
          return;
        }
        const json = synth(build(row, sink));
        const connector = resources(json, 'kafka-connect_connector').find((c) => c.name === `${sink}-sink`);
        expect(outcome(connector.config)).toBe(EXPECTED[row][sink]);
        // Search: the document id is one key field, never the struct key.
        if (sink === 'search') expect(connector.config['transforms.documentId.type']).toBe('org.apache.kafka.connect.transforms.ExtractField$Key');
        // Graph: one statement per topic on the table's label and key, never a stringified key.
        if (sink === 'graph')
          expect(
            Object.entries(connector.config)
              .filter(([k]) => k.startsWith('neo4j.cypher.topic.'))
              .map(([, v]) => String(v).split(')')[0]),
          ).toEqual([expect.stringMatching(/^MERGE \(n:`User` \{`(id|_id|UserId)`: __key\.`(id|UserId)`\}$/)]);
        // MongoDB events become rows only through the MongoDB transform; nothing else reads them with ExtractNewRecordState.
        if (row === 'mongodb' && sink !== 'pubsub') expect(JSON.stringify(connector.config)).not.toContain('io.debezium.transforms.ExtractNewRecordState');
      });
    }
  }
});
