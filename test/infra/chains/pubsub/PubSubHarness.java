import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.storage.Converter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.pubsub.kafka.sink.CloudPubSubSinkTask;
import com.google.pubsub.v1.ProjectTopicName;
import com.google.pubsub.v1.PublishRequest;
import com.google.pubsub.v1.PublishResponse;
import com.google.pubsub.v1.PubsubMessage;

import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;

/**
 * Runs Google's Pub/Sub sink task ({@code CloudPubSubSinkTask}, the connector's own record-to-message
 * code) on records as they are stored in Kafka, with the connector config our construct synthesizes,
 * and prints what it would publish. The task's Publisher is the real Pub/Sub client, talking to an
 * in-process gRPC server that records every {@code google.pubsub.v1.Publisher/Publish} request.
 *
 * <pre>{"config": {...connector config...}, "records": [{"topic": "t", "partition": 0, "offset": 0,
 *   "key": base64 or null, "value": base64 or null}]}</pre>
 *
 * Answer: {"records": [one per record: {"published": n} (messages the record produced, 0 when the task
 * skipped it) or {"error": "..."}], "requests": [{"topic", "messages": [{"data" (base64), "dataUtf8",
 * "attributes", "orderingKey"}]}]}.
 */
public class PubSubHarness {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        JsonNode request = JSON.readTree(new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
        Map<String, String> config = new LinkedHashMap<>();
        request.get("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
        if (config.containsKey("transforms")) throw new IllegalArgumentException("this harness runs no transforms; the config has " + config.get("transforms"));
        Converter keyConverter = converter(config, "key.converter", true);
        Converter valueConverter = converter(config, "value.converter", false);

        List<PublishRequest> requests = new CopyOnWriteArrayList<>();
        String serverName = "pubsub-harness-" + ProcessHandle.current().pid();
        Server server = InProcessServerBuilder.forName(serverName).directExecutor().addService(publisherService(requests)).build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(serverName).directExecutor().usePlaintext().build();
        String ordering = config.getOrDefault("orderingKeySource", "none");
        Publisher publisher = Publisher.newBuilder(ProjectTopicName.of(config.get("cps.project"), config.get("cps.topic")))
                .setChannelProvider(FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
                .setCredentialsProvider(NoCredentialsProvider.create())
                .setEnableMessageOrdering(!"none".equals(ordering))
                .build();
        CloudPubSubSinkTask task = new CloudPubSubSinkTask(publisher);
        task.start(config);

        ObjectNode out = JSON.createObjectNode();
        ArrayNode results = out.putArray("records");
        for (JsonNode r : request.get("records")) {
            ObjectNode result = results.addObject();
            int before = messageCount(requests);
            try {
                SinkRecord record = record(r, keyConverter, valueConverter);
                task.put(List.of(record));
                task.flush(Map.of(new TopicPartition(record.topic(), record.kafkaPartition()), new OffsetAndMetadata(record.kafkaOffset() + 1)));
                result.put("published", messageCount(requests) - before);
            }
            catch (RuntimeException e) {
                Throwable root = e;
                while (root.getCause() != null && root.getCause() != root) root = root.getCause();
                result.put("error", root.getClass().getSimpleName() + ": " + root.getMessage());
            }
        }
        task.stop();
        channel.shutdownNow();
        server.shutdownNow();
        ArrayNode printed = out.putArray("requests");
        for (PublishRequest req : requests) printed.add(print(req));
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        System.exit(0);
    }

    /** A Publisher service that records each request and answers with message ids. */
    private static ServerServiceDefinition publisherService(List<PublishRequest> requests) {
        MethodDescriptor<PublishRequest, PublishResponse> publish = MethodDescriptor.<PublishRequest, PublishResponse>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("google.pubsub.v1.Publisher", "Publish"))
                .setRequestMarshaller(ProtoUtils.marshaller(PublishRequest.getDefaultInstance()))
                .setResponseMarshaller(ProtoUtils.marshaller(PublishResponse.getDefaultInstance()))
                .build();
        return ServerServiceDefinition.builder("google.pubsub.v1.Publisher")
                .addMethod(publish, ServerCalls.asyncUnaryCall((PublishRequest req, io.grpc.stub.StreamObserver<PublishResponse> answer) -> {
                    requests.add(req);
                    PublishResponse.Builder ids = PublishResponse.newBuilder();
                    for (int i = 0; i < req.getMessagesCount(); i++) ids.addMessageIds("harness-" + requests.size() + "-" + i);
                    answer.onNext(ids.build());
                    answer.onCompleted();
                }))
                .build();
    }

    private static int messageCount(List<PublishRequest> requests) {
        return requests.stream().mapToInt(PublishRequest::getMessagesCount).sum();
    }

    /** The converter the config names, configured by its prefixed keys, as the worker does. */
    private static Converter converter(Map<String, String> config, String key, boolean isKey) throws Exception {
        String cls = config.get(key);
        if (cls == null) throw new IllegalArgumentException(key + " is not set in the connector config (the worker's default would apply)");
        Converter c = (Converter) Class.forName(cls).getDeclaredConstructor().newInstance();
        Map<String, Object> sub = new HashMap<>();
        config.forEach((k, v) -> { if (k.startsWith(key + ".")) sub.put(k.substring(key.length() + 1), v); });
        c.configure(sub, isKey);
        return c;
    }

    private static byte[] bytes(JsonNode n) {
        return n == null || n.isNull() ? null : Base64.getDecoder().decode(n.asText());
    }

    private static SinkRecord record(JsonNode r, Converter keyConverter, Converter valueConverter) {
        String topic = r.get("topic").asText();
        SchemaAndValue key = keyConverter.toConnectData(topic, bytes(r.get("key")));
        SchemaAndValue value = valueConverter.toConnectData(topic, bytes(r.get("value")));
        return new SinkRecord(topic, r.path("partition").asInt(0), key.schema(), key.value(), value.schema(), value.value(), r.path("offset").asLong(0));
    }

    private static ObjectNode print(PublishRequest req) {
        ObjectNode o = JSON.createObjectNode();
        o.put("topic", req.getTopic());
        ArrayNode messages = o.putArray("messages");
        for (PubsubMessage m : req.getMessagesList()) {
            ObjectNode p = messages.addObject();
            p.put("data", Base64.getEncoder().encodeToString(m.getData().toByteArray()));
            p.put("dataUtf8", m.getData().toStringUtf8());
            ObjectNode attributes = p.putObject("attributes");
            new java.util.TreeMap<>(m.getAttributesMap()).forEach(attributes::put);
            p.put("orderingKey", m.getOrderingKey());
        }
        return o;
    }
}
