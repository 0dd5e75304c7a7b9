import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.debezium.connector.mongodb.MongoDbSchema;
import io.debezium.data.Envelope;
import io.debezium.data.Json;

/**
 * Runs a sink connector's transform chain (the `transforms` and `predicates` of its config, as our
 * constructs synthesize it) on change events built with Debezium's classes, and prints what the sink
 * would receive. Request on stdin:
 *
 * <pre>{"config": {...connector config...}, "records": [{"kind": "relational"|"mongodb"|"cassandra", "topic": "t",
 *   "op": "c"|"u"|"d"|"tombstone", "key": {...}, "before": {...}, "after": {...},
 *   "connector": "postgresql"|"mysql"|"mariadb"|"spanner" (relational; default postgresql)}]};
 * or {"kind": "bytes", "topic": "t", "key": base64, "value": base64}: a record as stored in Kafka
 * (e.g. by our CDC worker), read with JsonConverter and schemas.</pre>
 *
 * With {"serialize": true} it prints instead each record's key and value as stored in Kafka
 * (JsonConverter with schemas, base64), for a sink that reads the bytes as written.
 *
 * Answer on stdout: one entry per record, {"dropped": true} or {"keyType", "key", "valueType",
 * "value"} (key and value as schemaless JSON), or {"error": "..."} when a transform throws. With
 * {"cypher": true} (a Neo4j sink's config) each record also gets "cypher": the statement and
 * parameters the Neo4j connector's Cypher strategy would run for it (Neo4jStatement).
 */
public class ChainHarness {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        InputStream in = System.in;
        JsonNode request = JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        Map<String, String> config = new LinkedHashMap<>();
        request.get("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
        if (request.path("serialize").asBoolean(false)) {
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(serialize(request.get("records"))));
            return;
        }
        List<Step> chain = chain(config);
        boolean cypher = request.path("cypher").asBoolean(false);
        JsonConverter printer = new JsonConverter();
        printer.configure(Map.of("schemas.enable", "false", "converter.type", "value"));
        ArrayNode out = JSON.createArrayNode();
        for (JsonNode r : request.get("records")) {
            ObjectNode result = out.addObject();
            try {
                SinkRecord record = build(r);
                for (Step step : chain) {
                    if (record == null) break;
                    boolean applies = step.predicate == null || step.predicate.test(record) != step.negate;
                    if (applies) record = step.transform.apply(record);
                }
                if (record == null) {
                    result.put("dropped", true);
                    continue;
                }
                result.put("keyType", record.keySchema() == null ? "none" : record.keySchema().type().name());
                result.set("key", JSON.readTree(print(printer, record.topic(), record.keySchema(), record.key())));
                result.put("valueType", record.valueSchema() == null ? "none" : record.valueSchema().type().name());
                result.set("value", JSON.readTree(print(printer, record.topic(), record.valueSchema(), record.value())));
                if (cypher) result.set("cypher", Neo4jStatement.of(config, record));
                if (record.valueSchema() != null && record.valueSchema().type() == Schema.Type.STRUCT) {
                    ArrayNode nested = result.putArray("nestedFields");
                    for (Field f : record.valueSchema().fields()) {
                        Schema.Type t = f.schema().type();
                        if (t == Schema.Type.STRUCT || t == Schema.Type.MAP) nested.add(f.name());
                    }
                }
            }
            catch (RuntimeException e) {
                result.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
    }

    /**
     * The records as a Debezium source on the harness's workers stores them in Kafka: key and value
     * through JsonConverter with schemas (the workers' converters), base64.
     */
    private static ArrayNode serialize(JsonNode records) throws Exception {
        JsonConverter keys = new JsonConverter();
        keys.configure(Map.of("schemas.enable", "true"), true);
        JsonConverter values = new JsonConverter();
        values.configure(Map.of("schemas.enable", "true"), false);
        ArrayNode out = JSON.createArrayNode();
        for (JsonNode r : records) {
            SinkRecord record = build(r);
            ObjectNode o = out.addObject().put("topic", record.topic());
            byte[] key = keys.fromConnectData(record.topic(), record.keySchema(), record.key());
            byte[] value = values.fromConnectData(record.topic(), record.valueSchema(), record.value());
            o.put("key", key == null ? null : Base64.getEncoder().encodeToString(key));
            o.put("value", value == null ? null : Base64.getEncoder().encodeToString(value));
        }
        return out;
    }

    private static String print(JsonConverter printer, String topic, Schema schema, Object value) {
        byte[] bytes = printer.fromConnectData(topic, schema, value);
        return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static final class Step {
        Transformation<SinkRecord> transform;
        Predicate<SinkRecord> predicate;
        boolean negate;
    }

    /** The chain exactly as Connect builds it from the config: classes by name, sub-configs by prefix. */
    @SuppressWarnings("unchecked")
    private static List<Step> chain(Map<String, String> config) throws Exception {
        Map<String, Predicate<SinkRecord>> predicates = new HashMap<>();
        for (String name : list(config.get("predicates"))) {
            Predicate<SinkRecord> p = (Predicate<SinkRecord>) Class.forName(config.get("predicates." + name + ".type")).getDeclaredConstructor().newInstance();
            p.configure(subConfig(config, "predicates." + name + "."));
            predicates.put(name, p);
        }
        List<Step> steps = new ArrayList<>();
        for (String name : list(config.get("transforms"))) {
            Step step = new Step();
            step.transform = (Transformation<SinkRecord>) Class.forName(config.get("transforms." + name + ".type")).getDeclaredConstructor().newInstance();
            Map<String, Object> sub = subConfig(config, "transforms." + name + ".");
            String predicate = (String) sub.remove("predicate");
            step.negate = "true".equals(sub.remove("negate"));
            sub.remove("type");
            step.transform.configure(sub);
            step.predicate = predicate == null ? null : predicates.get(predicate);
            steps.add(step);
        }
        return steps;
    }

    private static List<String> list(String value) {
        List<String> names = new ArrayList<>();
        if (value == null) return names;
        for (String n : value.split(",")) if (!n.isBlank()) names.add(n.trim());
        return names;
    }

    private static Map<String, Object> subConfig(Map<String, String> config, String prefix) {
        Map<String, Object> sub = new HashMap<>();
        config.forEach((k, v) -> { if (k.startsWith(prefix)) sub.put(k.substring(prefix.length()), v); });
        return sub;
    }

    private static Schema sourceSchema(String connector) {
        return SchemaBuilder.struct().name("io.debezium.connector." + connector + ".Source")
                .field("version", Schema.STRING_SCHEMA).field("connector", Schema.STRING_SCHEMA)
                .field("name", Schema.STRING_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA)
                .field("db", Schema.STRING_SCHEMA).build();
    }

    private static Struct source(Schema schema, String connector) {
        return new Struct(schema).put("version", "3.6.1.Final").put("connector", connector).put("name", "harness")
                .put("ts_ms", 1700000000000L).put("db", "app");
    }

    private static SinkRecord build(JsonNode r) throws Exception {
        String topic = r.get("topic").asText();
        String op = r.path("op").asText();
        if ("bytes".equals(r.get("kind").asText())) return fromBytes(r, topic);
        if ("mongodb".equals(r.get("kind").asText())) return buildMongo(r, topic, op);
        if ("cassandra".equals(r.get("kind").asText())) return buildCassandra(r, topic, op);
        // Relational (PostgreSQL, MySQL, MariaDB, Spanner): Debezium's Envelope over the row's schema.
        Schema keySchema = structSchema(topic + ".Key", r.get("key"), false);
        Struct key = struct(keySchema, r.get("key"));
        if ("tombstone".equals(op)) return new SinkRecord(topic, 0, keySchema, key, null, null, 0);
        JsonNode shape = r.hasNonNull("after") ? r.get("after") : r.get("before");
        Schema rowSchema = structSchema(topic + ".Value", shape, true);
        String connector = r.path("connector").asText("postgresql");
        Schema sourceSchema = sourceSchema(connector);
        Envelope envelope = Envelope.defineSchema().withName(Envelope.schemaName(topic)).withRecord(rowSchema).withSource(sourceSchema).build();
        Struct src = source(sourceSchema, connector);
        Instant ts = Instant.ofEpochMilli(1700000000001L);
        Struct value;
        switch (op) {
            case "c": value = envelope.create(struct(rowSchema, r.get("after")), src, ts); break;
            case "u": value = envelope.update(struct(rowSchema, r.get("before")), struct(rowSchema, r.get("after")), src, ts); break;
            case "d": value = envelope.delete(struct(rowSchema, r.get("before")), src, ts); break;
            default: throw new IllegalArgumentException("op " + op);
        }
        return new SinkRecord(topic, 0, keySchema, key, envelope.schema(), value, 0);
    }

    /**
     * A record as stored in Kafka (key and value base64, null for none), read back as the sink's
     * worker reads it: JsonConverter with schemas, the harness's workers' converter.
     */
    private static SinkRecord fromBytes(JsonNode r, String topic) {
        JsonConverter keys = new JsonConverter();
        keys.configure(Map.of("schemas.enable", "true"), true);
        JsonConverter values = new JsonConverter();
        values.configure(Map.of("schemas.enable", "true"), false);
        JsonNode k = r.get("key");
        JsonNode v = r.get("value");
        var key = keys.toConnectData(topic, k == null || k.isNull() ? null : Base64.getDecoder().decode(k.asText()));
        var value = values.toConnectData(topic, v == null || v.isNull() ? null : Base64.getDecoder().decode(v.asText()));
        return new SinkRecord(topic, 0, key.schema(), key.value(), value.schema(), value.value(), 0);
    }

    /**
     * Cassandra: the layout of Debezium's Cassandra agent (no Debezium class builds it outside a
     * Cassandra node): a key struct of the partition key, and a value with ts_ms, op, source and an
     * after struct holding each column as a cell struct {value, deletion_ts, set}.
     */
    private static SinkRecord buildCassandra(JsonNode r, String topic, String op) {
        Schema keySchema = structSchema(topic + ".Key", r.get("key"), false);
        Struct key = struct(keySchema, r.get("key"));
        if ("tombstone".equals(op)) return new SinkRecord(topic, 0, keySchema, key, null, null, 0);
        JsonNode row = r.get("after");
        SchemaBuilder after = SchemaBuilder.struct().name(topic + ".after");
        Map<String, Schema> cells = new LinkedHashMap<>();
        row.fields().forEachRemaining(e -> {
            Schema valueSchema = structSchema("v", row, true).field(e.getKey()).schema();
            Schema cell = SchemaBuilder.struct().name(e.getKey()).optional().field("value", valueSchema)
                    .field("deletion_ts", Schema.OPTIONAL_INT64_SCHEMA).field("set", Schema.BOOLEAN_SCHEMA).build();
            cells.put(e.getKey(), cell);
            after.field(e.getKey(), cell);
        });
        Schema sourceSchema = SchemaBuilder.struct().name("source").field("version", Schema.STRING_SCHEMA).field("connector", Schema.STRING_SCHEMA)
                .field("name", Schema.STRING_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA).field("cluster", Schema.STRING_SCHEMA)
                .field("keyspace", Schema.STRING_SCHEMA).field("table", Schema.STRING_SCHEMA).build();
        Schema afterSchema = after.build();
        Schema valueSchema = SchemaBuilder.struct().name(topic + ".Value").field("ts_ms", Schema.INT64_SCHEMA).field("op", Schema.STRING_SCHEMA)
                .field("source", sourceSchema).field("after", afterSchema).build();
        Struct afterValue = new Struct(afterSchema);
        Struct flat = struct(structSchema("v", row, true), row);
        cells.forEach((name, cell) -> afterValue.put(name, new Struct(cell).put("value", flat.get(name)).put("set", true)));
        Struct source = new Struct(sourceSchema).put("version", "3.6.1.Final").put("connector", "cassandra").put("name", "harness")
                .put("ts_ms", 1700000000000L).put("cluster", "harness").put("keyspace", "app").put("table", "users");
        Struct value = new Struct(valueSchema).put("ts_ms", 1700000000001L).put("op", "c".equals(op) ? "i" : op).put("source", source).put("after", afterValue);
        return new SinkRecord(topic, 0, keySchema, key, valueSchema, value, 0);
    }

    /** MongoDB: the key {id: <_id as JSON>} and the value with JSON-string documents, laid out as MongoDbSchema does. */
    private static SinkRecord buildMongo(JsonNode r, String topic, String op) throws Exception {
        Schema keySchema = SchemaBuilder.struct().name(topic + ".Key").field("id", Schema.STRING_SCHEMA).build();
        Struct key = new Struct(keySchema).put("id", JSON.writeValueAsString(r.get("key").get("_id")));
        Schema sourceSchema = sourceSchema("mongodb");
        Schema valueSchema = SchemaBuilder.struct().name(Envelope.schemaName(topic))
                .field("before", Json.builder().optional().build())
                .field("after", Json.builder().optional().build())
                .field("updateDescription", MongoDbSchema.UPDATED_DESCRIPTION_SCHEMA)
                .field("source", sourceSchema)
                .field("op", Schema.OPTIONAL_STRING_SCHEMA)
                .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .build();
        if ("tombstone".equals(op)) return new SinkRecord(topic, 0, keySchema, key, null, null, 0);
        Struct value = new Struct(valueSchema).put("source", source(sourceSchema, "mongodb")).put("op", op).put("ts_ms", 1700000000001L);
        if (r.hasNonNull("after")) value.put("after", JSON.writeValueAsString(r.get("after")));
        return new SinkRecord(topic, 0, keySchema, key, valueSchema, value, 0);
    }

    private static Schema structSchema(String name, JsonNode sample, boolean optional) {
        SchemaBuilder b = SchemaBuilder.struct().name(name);
        Iterator<Map.Entry<String, JsonNode>> it = sample.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            Schema s = v.isIntegralNumber() ? Schema.OPTIONAL_INT64_SCHEMA : v.isNumber() ? Schema.OPTIONAL_FLOAT64_SCHEMA : v.isBoolean() ? Schema.OPTIONAL_BOOLEAN_SCHEMA : Schema.OPTIONAL_STRING_SCHEMA;
            b.field(e.getKey(), s);
        }
        return optional ? b.optional().build() : b.build();
    }

    private static Struct struct(Schema schema, JsonNode values) {
        Struct s = new Struct(schema);
        for (Field f : schema.fields()) {
            JsonNode v = values.get(f.name());
            if (v == null || v.isNull()) continue;
            switch (f.schema().type()) {
                case INT64: s.put(f, v.asLong()); break;
                case FLOAT64: s.put(f, v.asDouble()); break;
                case BOOLEAN: s.put(f, v.asBoolean()); break;
                default: s.put(f, v.asText());
            }
        }
        return s;
    }
}
