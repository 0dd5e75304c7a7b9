import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.neo4j.cypherdsl.core.Cypher;
import org.neo4j.cypherdsl.core.SymbolicName;
import org.neo4j.cypherdsl.core.renderer.Renderer;
import org.neo4j.cypherdsl.parser.CypherParser;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the Neo4j Connector for Kafka (5.x, Cypher strategy) would run for one record, whose jar is
 * on no registry this machine reaches: the topic's statement from `neo4j.cypher.topic.<topic>`,
 * wrapped as the connector wraps it (its CypherHandler: `UNWIND $events AS message WITH
 * message.value AS event, message.header AS __header, message.key AS __key, message.value AS
 * __value CALL {WITH * <statement>}`, built here with the same Cypher-DSL), and the `events`
 * parameter (key and value as maps, structs converted field by field). The wrapped statement is
 * then parsed with the Cypher-DSL parser (Neo4j's own Cypher grammar): a statement that is not
 * Cypher is reported, not hidden.
 */
final class Neo4jStatement {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Neo4jStatement() {}

    static ObjectNode of(Map<String, String> config, SinkRecord record) {
        ObjectNode out = JSON.createObjectNode();
        String statement = config.get("neo4j.cypher.topic." + record.topic());
        if (statement == null) return out.put("error", "no neo4j.cypher.topic." + record.topic() + " in the config");
        SymbolicName message = Cypher.name("message");
        String wrapped = Renderer.getDefaultRenderer().render(Cypher.unwind(Cypher.parameter("events")).as(message)
                .with(Cypher.property(message, "value").as("event"), Cypher.property(message, "header").as("__header"),
                        Cypher.property(message, "key").as("__key"), Cypher.property(message, "value").as("__value"))
                .callRawCypher("WITH * " + statement)
                .build());
        out.put("statement", wrapped);
        try {
            CypherParser.parse(wrapped);
            out.put("parsed", true);
        }
        catch (RuntimeException | LinkageError e) {
            out.put("parsed", false).put("parseError", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("header", Map.of());
        event.put("key", plain(record.keySchema(), record.key()));
        event.put("value", plain(record.valueSchema(), record.value()));
        out.set("parameters", JSON.valueToTree(Map.of("events", List.of(event))));
        return out;
    }

    /** A Connect value as the driver gets it: structs and maps as maps, arrays as lists, bytes base64. */
    private static Object plain(Schema schema, Object value) {
        if (value == null) return null;
        if (value instanceof Struct) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Field f : ((Struct) value).schema().fields()) map.put(f.name(), plain(f.schema(), ((Struct) value).get(f)));
            return map;
        }
        if (value instanceof Map) {
            Map<String, Object> map = new LinkedHashMap<>();
            ((Map<?, ?>) value).forEach((k, v) -> map.put(String.valueOf(k), plain(schema == null ? null : schema.valueSchema(), v)));
            return map;
        }
        if (value instanceof List) {
            List<Object> list = new ArrayList<>();
            for (Object v : (List<?>) value) list.add(plain(schema == null ? null : schema.valueSchema(), v));
            return list;
        }
        if (value instanceof byte[]) return Base64.getEncoder().encodeToString((byte[]) value);
        if (value instanceof ByteBuffer) return Base64.getEncoder().encodeToString(((ByteBuffer) value).array());
        return value;
    }
}
