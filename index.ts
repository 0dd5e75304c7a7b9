// Public API of cdktf-data-pipelines, exported by name: the constructs, their props and attribute
// types, and the helpers we support (rule packs and rules, grant intents, topic and account naming,
// app-level validation). Everything else is internal to its module. The surface is recorded in
// api/cdktf-data-pipelines.api.md; `npm test` fails when it changes and the report was not updated
// (`npm run api:report` updates it, for review with the change).
// First: which core line is installed (cdktf 0.21 or cdktn 0.24 as cdktf); one clear error when none is.
export { coreLine, findCoreLine, SUPPORTED_CORE_LINES } from './constructs/core/core-line';
export type { CoreLine } from './constructs/core/core-line';
export { MissingPropsError, Problems, requireProps, validateProps } from './constructs/core/validation';
export type { PropProblem } from './constructs/core/validation';
export { SecretValue } from './constructs/core/secret-value';
export { AppValidationError, DataPipelinesApp, synthApp, validateApp, validateStacks } from './constructs/core/app-validation';
export { KAFKA_ACL_OPERATIONS, KAFKA_ACL_RESOURCE_TYPES } from './constructs/kafka/kafka-platform';
export type {
  IKafkaPlatform,
  KafkaAclOperation,
  KafkaAclPatternType,
  KafkaAclResourceType,
  KafkaAclSpec,
  KafkaScramCredentialSpec,
  KafkaTopicSpec,
} from './constructs/kafka/kafka-platform';
export { principalOf } from './constructs/kafka/kafka-principal';
export type { IKafkaPrincipal, KafkaPrincipalLike } from './constructs/kafka/kafka-principal';
export { KafkaCluster } from './constructs/kafka/kafka-cluster';
export type { KafkaClusterProps, KafkaSaslCredentials, KafkaSaslMechanism } from './constructs/kafka/kafka-cluster';
export { GoogleManagedKafkaCluster } from './constructs/kafka/google-managed-kafka-cluster';
export type { GoogleManagedKafkaClusterProps } from './constructs/kafka/google-managed-kafka-cluster';
export { KafkaTopic } from './constructs/kafka/kafka-topic';
export type { KafkaCompressionType, KafkaTopicConfig, KafkaTopicProps } from './constructs/kafka/kafka-topic';
export { KafkaAcl } from './constructs/kafka/kafka-acl';
export type { KafkaAclProps } from './constructs/kafka/kafka-acl';
export { aclsForIntent } from './constructs/kafka/kafka-grants';
export type { KafkaAccessIntent, KafkaAclRequirement, KafkaGrantOptions } from './constructs/kafka/kafka-grants';
export { KafkaAccessGrant } from './constructs/kafka/kafka-access-grant';
export type { KafkaAccessGrantProps } from './constructs/kafka/kafka-access-grant';
export { KafkaQuota } from './constructs/kafka/kafka-quota';
export type { KafkaQuotaProps } from './constructs/kafka/kafka-quota';
export { KafkaScramUser } from './constructs/kafka/kafka-scram-user';
export type { KafkaScramUserProps } from './constructs/kafka/kafka-scram-user';
export { DelegatedKafkaPlatform } from './constructs/kafka/delegated-kafka-platform';
export type { DelegatedKafkaPlatformProps } from './constructs/kafka/delegated-kafka-platform';
export { KafkaConnectCluster } from './constructs/connect/kafka-connect-cluster';
export type {
  ConnectKafkaCredentials,
  ConnectSecretsOptions,
  ConnectWorkerOptions,
  KafkaConnectClusterProps,
} from './constructs/connect/kafka-connect-cluster';
export { Connector } from './constructs/connect/connector';
export type { ConnectorProps } from './constructs/connect/connector';
export { cdcTopicName, DEFAULT_HEARTBEAT_INTERVAL_MS, heartbeatTopicName, SNAPSHOT_MODES } from './constructs/connect/debezium-common';
export type { DebeziumRelationalSettings, DebeziumSnapshotMode, DebeziumSourceOptions } from './constructs/connect/debezium-common';
export type { CaptureDatabaseProps, DebeziumDatabaseCapture } from './constructs/connect/debezium-database-capture';
export { DebeziumPostgresSource } from './constructs/connect/debezium-postgres-source';
export type { DebeziumPostgresSourceProps } from './constructs/connect/debezium-postgres-source';
export { DebeziumMySqlSource } from './constructs/connect/debezium-mysql-source';
export type { DebeziumMySqlSourceProps } from './constructs/connect/debezium-mysql-source';
export { BigQuerySink } from './constructs/connect/bigquery-sink';
export type { BigQueryKeySource, BigQuerySinkProps } from './constructs/connect/bigquery-sink';
export { JdbcSink } from './constructs/connect/jdbc-sink';
export type { JdbcSinkFlavor, JdbcSinkProps } from './constructs/connect/jdbc-sink';
export { DATASET_ROLES, DatasetGrant, WarehouseDataset } from './constructs/bigquery/warehouse-dataset';
export type { AuthorizedViewRef, DatasetAccess, DatasetGrantOptions, WarehouseDatasetProps } from './constructs/bigquery/warehouse-dataset';
export { PipelineServiceAccount, serviceAccountId } from './constructs/bigquery/pipeline-service-account';
export type { PipelineServiceAccountProps } from './constructs/bigquery/pipeline-service-account';
export { DATA_SENSITIVITIES, SENSITIVE_LABELS } from './constructs/sources/source-table';
export type { DataSensitivity, SourceColumn, SourceTable } from './constructs/sources/source-table';
export { ExternalSourceDatabase, qualifiedTableName } from './constructs/sources/source-database';
export type { ExternalSourceDatabaseProps, ISourceDatabase, SourceEngine } from './constructs/sources/source-database';
export { RealtimePipeline } from './constructs/stages/realtime-pipeline';
export type { RealtimePipelineProps, RealtimeSinkOptions, RealtimeSourceParts, RealtimeWarehouseOptions } from './constructs/stages/realtime-pipeline';
export type {
  AccessGrantSpec,
  AccessLevel,
  AccessPrincipal,
  AccessRole,
  AccessScramCredential,
  AccessTeam,
  ColumnBinding,
  DatasetBinding,
  IColumnAccessControl,
  ResolvedGrant,
} from './constructs/access/access-types';
export { AccessModel } from './constructs/access/access-model';
export type { AccessModelProps } from './constructs/access/access-model';
export { DataClassification, POLICY_TAG_DISPLAY_NAMES } from './constructs/catalog/data-classification';
export type { DataClassificationProps } from './constructs/catalog/data-classification';
export { ADOPT_VARIABLE, ClassifiedTable } from './constructs/catalog/classified-table';
export type { ClassifiedTableProps, WarehouseField } from './constructs/catalog/classified-table';
export { CdcWorkerService } from './constructs/runtime/cdc-worker-service';
export type { CdcWorkerKafkaIdentity, CdcWorkerServiceProps } from './constructs/runtime/cdc-worker-service';
export type { CdcWorkerSignals } from './constructs/runtime/cdc-worker-signals';
export { DLP_LIKELIHOODS, INFO_TYPES_BY_LABEL, infoTypesFor } from './constructs/dlp/info-types';
export type { DlpLikelihood } from './constructs/dlp/info-types';
export { DlpInspectTemplate } from './constructs/dlp/dlp-inspect-template';
export type { DlpCustomInfoType, DlpInspectTemplateProps } from './constructs/dlp/dlp-inspect-template';
export { DlpDeidentifyTemplate } from './constructs/dlp/dlp-deidentify-template';
export type { DlpDeidentifyTemplateProps, DlpTransformation } from './constructs/dlp/dlp-deidentify-template';
export { DlpFindings } from './constructs/dlp/dlp-findings';
export type { DlpFindingsProps } from './constructs/dlp/dlp-findings';
export { DlpTableScan } from './constructs/dlp/dlp-table-scan';
export type { DlpTableScanProps } from './constructs/dlp/dlp-table-scan';
export { AlertChannel } from './constructs/monitoring/alert-channel';
export type { AlertChannelKind, AlertChannelProps } from './constructs/monitoring/alert-channel';
export { LogBasedMetric } from './constructs/monitoring/log-based-metric';
export type { LogBasedMetricProps } from './constructs/monitoring/log-based-metric';
export { ThresholdAlert } from './constructs/monitoring/threshold-alert';
export type { ThresholdAlertProps } from './constructs/monitoring/threshold-alert';
export { CdcWorkerAlerts } from './constructs/monitoring/cdc-worker-alerts';
export type { CdcWorkerAlertsProps } from './constructs/monitoring/cdc-worker-alerts';
export { DLP_FINDING_COUNT_METRIC, DlpFindingAlerts } from './constructs/monitoring/dlp-finding-alerts';
export type { DlpFindingAlertsProps } from './constructs/monitoring/dlp-finding-alerts';
export { DataInventory } from './constructs/catalog/data-inventory';
export type { InventoriedTable, IWarehouseFeeds, WarehouseFeed, WarehouseFeedTable } from './constructs/catalog/data-inventory';
export { COMPLIANT, nonCompliant, NOT_APPLICABLE, terraformAttributes, terraformTypeOf } from './constructs/governance/governance-rule';
export type { GovernanceRule, RuleContext, RuleLevel, RuleResult } from './constructs/governance/governance-rule';
export {
  columnTypesDeclared,
  datasetDeletionProtection,
  datasetOwnerAndClassification,
  kafkaTls,
  noInlineSecret,
  noPublicAccess,
  piiRetention,
  sensitiveColumnsTagged,
  sensitiveDatasetScanned,
  sensitiveTopicNoWildcardRead,
  topicDurability,
} from './constructs/governance/rules';
export { dataEngineeringPack, gdprPack, hipaaPack, pciDssPack } from './constructs/governance/rule-packs';
export type { GdprPackOptions, RulePack } from './constructs/governance/rule-packs';
export { GovernanceChecks } from './constructs/governance/governance-checks';
export type { GovernanceChecksProps, GovernanceFinding, GovernanceSuppression, SuppressedFinding } from './constructs/governance/governance-checks';
export { CloudSqlSourceDatabase } from './constructs/sources/cloud-sql-source-database';
export type { CloudSqlEdition, CloudSqlEngine, CloudSqlSourceDatabaseProps } from './constructs/sources/cloud-sql-source-database';
export { PrivateServiceAccess } from './constructs/sources/private-service-access';
export type { PrivateServiceAccessProps } from './constructs/sources/private-service-access';
export type { CapturedTable, CaptureInternalTopic, ISourceCapture } from './constructs/connect/source-capture';
export { DebeziumMongoDbSource } from './constructs/connect/debezium-mongodb-source';
export type { DebeziumMongoDbSourceProps, MongoDbCaptureMode, MongoDbSnapshotMode } from './constructs/connect/debezium-mongodb-source';
export { DebeziumSpannerSource } from './constructs/connect/debezium-spanner-source';
export type { DebeziumSpannerSourceProps } from './constructs/connect/debezium-spanner-source';
export { DebeziumCassandraAgent } from './constructs/connect/debezium-cassandra-agent';
export type { DebeziumCassandraAgentProps } from './constructs/connect/debezium-cassandra-agent';
export { ElasticsearchSink } from './constructs/connect/elasticsearch-sink';
export type { ElasticsearchSinkProps, SearchSinkFlavor } from './constructs/connect/elasticsearch-sink';
export { Neo4jSink } from './constructs/connect/neo4j-sink';
export type { Neo4jSinkProps } from './constructs/connect/neo4j-sink';
export { PubSubSink } from './constructs/connect/pubsub-sink';
export type { PubSubOrderingKeySource, PubSubSinkProps } from './constructs/connect/pubsub-sink';
export { CHANGE_EVENT_SOURCE_KINDS, TransformChain } from './constructs/connect/change-events';
export type { ChangeEventSink, ChangeEventSourceKind, SinkSource, SinkSourceTopic, UnwrapOptions } from './constructs/connect/change-events';
export type { BatchDagSpec, BatchDagTable } from './constructs/stages/batch-dag';
export { BatchPipeline, DEFAULT_COMPOSER_IMAGE } from './constructs/stages/batch-pipeline';
export type { BatchComposerOptions, BatchPipelineProps, BatchScheduler, BatchSourceParts } from './constructs/stages/batch-pipeline';
export { IntegrationPlatform } from './constructs/stages/integration-platform';
export type {
  IntegrationBigQuerySink,
  IntegrationConnectorSink,
  IntegrationGraphSink,
  IntegrationJdbcSink,
  IntegrationPlatformProps,
  IntegrationPubSubSink,
  IntegrationSearchSink,
  IntegrationSink,
  IntegrationSinkCommon,
  IntegrationWarehouseOptions,
  RoutableTable,
  SinkRoute,
  TopicSelector,
} from './constructs/stages/integration-platform';
export { DataAutomation, describeDatabaseTopics, describedTopicsOfIntegrationPlatform, feedsOfIntegrationPlatform } from './constructs/stages/data-automation';
export type { DataAutomationDlpOptions, DataAutomationProps, DescribedTopic } from './constructs/stages/data-automation';
export type {
  DataProductSpec,
  DataProductView,
  DataSubscriptionSpec,
  DecentralizationMode,
  IDataPublisher,
  IPlatformDomain,
  ResolvedSubscription,
  SubscriberIdentity,
} from './constructs/decentralization/data-product';
export { DataProductViews } from './constructs/decentralization/data-product-views';
export type { DataProductViewsProps } from './constructs/decentralization/data-product-views';
export type { ProductContext } from './constructs/decentralization/product-checks';
export { DataDomain } from './constructs/decentralization/data-domain';
export type { DataDomainProps, DomainAccessSpec, DomainConnectOptions, DomainDatasetSpec, DomainTopicSpec } from './constructs/decentralization/data-domain';
export { CENTRAL, DecentralizedPlatform } from './constructs/decentralization/decentralized-platform';
export type { DecentralizedPlatformProps } from './constructs/decentralization/decentralized-platform';
